/**
 * The images, run: all six services as containers from `npm run images`' images (a worker and a relay each) against
 * the real Kafka, registry and PostgreSQL. Orders of every outcome reach their terminal stage; a container stopped
 * with SIGTERM drains and exits 0, and its successor sees no redelivery.
 *
 * Without podman or docker, or without the images, this file skips with the reason, unless
 * ORDERFLOW_REQUIRE_CONTAINERS=1 (CI sets it), which makes that a failure.
 */
import { catalog } from '@orderflow/contracts';
import { aCustomer, aLine, anAddress, anOrder, terminalStage, waitFor } from '@orderflow/testing';
import { ContainerPlatform, containerSupport } from './container-platform';

const support = containerSupport();
const required = process.env.ORDERFLOW_REQUIRE_CONTAINERS === '1';
if (!support.ok && !required)
  process.stderr.write(`containers.test.ts SKIPPED: ${support.why} (ORDERFLOW_REQUIRE_CONTAINERS=1 makes this fail)\n`);

const describeIf = support.ok || required ? describe : describe.skip;

describeIf('services as containers', () => {
  jest.setTimeout(240000);
  let p: ContainerPlatform;

  beforeAll(async () => {
    if (!support.ok) throw new Error(`containers required but unavailable: ${support.why}`);
    p = new ContainerPlatform(support);
    await p.start();
  }, 300000);
  afterAll(() => p?.stop(), 120000);

  const stageOf = (orderId: string) =>
    waitFor(() => terminalStage(p, orderId), { timeoutMs: 90000, description: `terminal stage of ${orderId}` });
  /** The stages of `orderIds`; where one is not what `expected` says, the failure carries every container's state. */
  const expectStages = async (orderIds: string[], expected: string[]) => {
    const stages = await Promise.all(orderIds.map((id) => stageOf(id).catch((e: Error) => e.message)));
    if (stages.some((s, i) => s !== expected[i])) {
      const timelines = await Promise.all(orderIds.map((id) => p.get('analytics', `/orders/${id}/timeline`)));
      throw new Error(
        `stages ${JSON.stringify(stages)}, expected ${JSON.stringify(expected)}\n` +
          `timelines: ${JSON.stringify(timelines.map((t) => t.body))}\n${await p.diagnosis()}`,
      );
    }
  };

  it('the ops image bootstrapped every service database and created every topic and subject', () => {
    expect(p.setupOutput.dbBootstrap.schemas).toHaveLength(6);
    // Every role's password came from its DATABASE_PASSWORD_<SCHEMA>, none from a generated file in the container.
    for (const r of p.setupOutput.dbBootstrap.schemas) expect(r.password).toMatch(/^DATABASE_PASSWORD_[A-Z_]+$/);
    const topics = catalog.topics.length;
    expect(p.setupOutput.setup.created.length).toBeGreaterThanOrEqual(2 * topics); // every topic and its .dlq
    expect(Object.keys(p.setupOutput.setup.schemas)).toHaveLength(topics);
  });

  it('orders of every outcome reach their terminal stage, with the customer emailed', async () => {
    await p.setStock('CTR-OK', 10);
    await p.setStock('CTR-SCARCE', 1);
    const cases = [
      { stage: 'FULFILLED', order: anOrder({ lines: [aLine({ sku: 'CTR-OK', quantity: 2 })] }) },
      { stage: 'REJECTED', order: anOrder({ currency: 'JPY' }) },
      { stage: 'OUT_OF_STOCK', order: anOrder({ lines: [aLine({ sku: 'CTR-SCARCE', quantity: 2 })] }) },
      {
        stage: 'PAYMENT_FAILED',
        order: anOrder({ paymentMethodToken: 'tok_decline', lines: [aLine({ sku: 'CTR-OK', quantity: 1 })] }),
      },
      {
        stage: 'REFUNDED',
        order: anOrder({
          shippingAddress: anAddress({ postalCode: '00000' }),
          lines: [aLine({ sku: 'CTR-OK', quantity: 1 })],
        }),
      },
    ].map((c, i) => ({ ...c, order: { ...c.order, customer: aCustomer({ email: `ctr-${i}@example.com` }) } }));
    for (const c of cases) await p.kafka.publish('order.created', c.order);

    await expectStages(
      cases.map((c) => c.order.orderId),
      cases.map((c) => c.stage),
    );
    // Every journey ends with a mail to its customer (the relay containers published what the workers decided).
    await waitFor(() => cases.every((c) => p.smtp.mails.some((m) => m.to.includes(c.order.customer.email))), {
      timeoutMs: 60000,
      description: 'one email per order',
    });
    // Stock: 2 shipped of 10; the declined and undeliverable orders' reservations were released.
    await waitFor(async () => (await p.get('inventory', '/stock/CTR-OK')).body?.onHand === 8, {
      timeoutMs: 60000,
      description: 'CTR-OK stock 8 after shipping 2',
    });
    expect((await p.get('inventory', '/stock/CTR-OK')).body).toMatchObject({ onHand: 8, reserved: 0 });
  });

  it('SIGTERM drains a worker container: exit 0, and its successor sees no redelivery', async () => {
    const before = (await p.get('order-validator', '/health/ready')).body;
    expect(before.status).toBe('ready');
    expect(await p.terminate('order-validator', 'worker')).toBe(0);

    await p.launch('order-validator', 'worker');
    const order = anOrder({ customer: aCustomer({ email: 'ctr-after@example.com' }), currency: 'JPY' });
    await p.kafka.publish('order.created', order);
    await expectStages([order.orderId], ['REJECTED']);
    // The new worker owns every partition of the group: had the drained one left an offset uncommitted, the
    // successor would have handled those records again before this one.
    const consumer = await waitFor(
      async () => {
        const c = (await p.get('order-validator', '/health/ready')).body.checks.find(
          (x: { name: string }) => x.name === 'consumer',
        );
        return c?.detail?.processed >= 1 ? c.detail : undefined;
      },
      { description: 'the new worker processed the new order' },
    );
    expect(consumer.processed).toBe(1);
  });
});
