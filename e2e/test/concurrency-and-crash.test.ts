/**
 * Under contention and under crashes: stock never oversold, and a kill -9 in the middle of a stream loses nothing
 * and doubles nothing (charges, shipments, emails).
 */
import { aCustomer, aLine, anOrder, waitFor } from '@orderflow/testing';
import { Platform, terminalStage, type ServiceName } from '@orderflow/testing';

const p = new Platform();

beforeAll(() => p.start(), 180000);
afterAll(() => p.stop(), 60000);

it('50 concurrent orders for a SKU with 10 units: exactly 10 reserved, 40 rejected, stock never negative', async () => {
  await p.setStock('E2E-HOT', 10);
  const orders = Array.from({ length: 50 }, () => anOrder({ lines: [aLine({ sku: 'E2E-HOT', quantity: 1 })] }));
  await Promise.all(orders.map((o) => p.kafka.publish('order.created', o)));
  const stages = await waitFor(
    async () => {
      const s = await Promise.all(orders.map((o) => terminalStage(p, o.orderId)));
      return s.every(Boolean) ? s : undefined;
    },
    { timeoutMs: 90000, intervalMs: 500, description: '50 orders to finish' },
  );
  expect(stages.filter((s) => s === 'FULFILLED')).toHaveLength(10);
  expect(stages.filter((s) => s === 'OUT_OF_STOCK')).toHaveLength(40);
  // Inventory consumes order.fulfilled alongside analytics: its stock settles when it has shipped all ten.
  const settled = await waitFor(
    async () => {
      const stock = (await p.get('inventory', '/stock/E2E-HOT')).body;
      return stock.reserved === 0 && stock;
    },
    { timeoutMs: 60000, description: 'the ten reservations shipped' },
  );
  expect(settled).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
});

it.each<ServiceName>(['payment', 'inventory', 'fulfillment', 'notification'])(
  'kill -9 of %s mid-stream, then restart: every order terminal, no duplicate charge, shipment or email',
  async (victim) => {
    const sku = `E2E-CRASH-${victim}`;
    await p.setStock(sku, 1000);
    const orders = Array.from({ length: 40 }, (_, i) =>
      anOrder({
        customer: aCustomer({ email: `crash-${victim}-${i}@example.com` }),
        lines: [aLine({ sku, quantity: 1 })],
      }),
    );
    const publishing = (async () => {
      for (const o of orders) {
        await p.kafka.publish('order.created', o);
        await new Promise((r) => setTimeout(r, 25)); // a stream, not a burst: the crash lands mid-flow
      }
    })();
    // Crash once the victim has visibly started on the stream.
    await waitFor(
      async () => (await Promise.all(orders.slice(0, 5).map((o) => terminalStage(p, o.orderId)))).some(Boolean),
      {
        timeoutMs: 60000,
        description: 'the stream to be flowing',
      },
    );
    await p.crash(victim);
    await publishing;
    await p.launch(victim);

    const stages = await waitFor(
      async () => {
        const s = await Promise.all(orders.map((o) => terminalStage(p, o.orderId)));
        return s.every(Boolean) ? s : undefined;
      },
      { timeoutMs: 120000, intervalMs: 500, description: 'every order to reach a terminal stage' },
    );
    expect(stages.every((s) => s === 'FULFILLED')).toBe(true);
    await waitFor(() => orders.every((o) => p.smtp.mails.some((m) => m.to.includes(o.customer.email))), {
      timeoutMs: 60000,
      description: 'every customer emailed',
    });
    const ids = new Set(orders.map((o) => o.orderId));
    const charges = (await p.kafka.events('payment.processed')).filter((e) => ids.has(e.orderId));
    const shipments = (await p.kafka.events('order.fulfilled')).filter((e) => ids.has(e.orderId));
    for (const o of orders) {
      expect(new Set(charges.filter((c) => c.orderId === o.orderId).map((c) => c.paymentId)).size).toBe(1);
      expect(new Set(shipments.filter((s) => s.orderId === o.orderId).map((s) => s.shipmentId)).size).toBe(1);
      const mails = p.smtp.mails.filter((m) => m.to.includes(o.customer.email));
      if (victim === 'notification') {
        // Killed between the SMTP server's acceptance and its own commit, notification sends again on redelivery,
        // with the same deterministic Message-ID (the mail system's idempotency key). Anything else is a bug.
        expect(new Set(mails.map((m) => m.headers['message-id'])).size).toBe(1);
      } else {
        expect(mails).toHaveLength(1);
      }
    }
    await waitFor(async () => (await p.get('inventory', `/stock/${sku}`)).body.onHand === 960, {
      description: 'every shipped unit to leave stock exactly once',
    });
    expect((await p.get('inventory', `/stock/${sku}`)).body).toMatchObject({ onHand: 960, reserved: 0 });
  },
  360000,
);
