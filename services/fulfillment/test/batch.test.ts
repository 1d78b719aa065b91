/**
 * fulfillment's consumed-batch path: many payment.processed (or inventory.released) in one fetch are handled with one
 * lookup and one insert. A batch must end exactly as the same events handled one after another; a bad record among
 * good ones is isolated; a redelivered batch changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  newMetadata,
  PAYMENT_DEADLINE_REASON,
  type EventType,
  type InventoryReleased,
  type OrderCreated,
  type PaymentProcessed,
} from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { anAddress, anOrder, componentTest, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { fulfillment, SERVICE_NAME } from '../src/service';

let sql: Client;
const c = componentTest(
  SERVICE_NAME,
  async (env, self) => {
    sql = new Client({ connectionString: self.db.url });
    await sql.connect();
    self.onTearDown(() => sql.end());
    return runService(fulfillment(readConfig(env)));
  },
  { partitions: 1 }, // every batch published at once is consumed as one batch
);
const { tk } = c;

function paid(o: OrderCreated): PaymentProcessed {
  const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = o;
  return {
    metadata: newMetadata('payment.processed', 'payment', undefined, { correlationId: o.orderId }),
    orderId: o.orderId,
    order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
    paymentId: `pay-${randomUUID()}`,
    amountMinor: totalMinor,
    currency,
    providerReference: `psp-${randomUUID().slice(0, 8)}`,
    processedAt: Date.now(),
  };
}

function released(p: PaymentProcessed, reason = PAYMENT_DEADLINE_REASON): InventoryReleased {
  return {
    metadata: newMetadata('inventory.released', 'inventory', undefined, { correlationId: p.orderId }),
    orderId: p.orderId,
    reservationId: `res-${randomUUID()}`,
    lines: p.order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    reason,
    releasedAt: Date.now(),
  };
}

const withNewId = <E extends { metadata: { eventId: string } }>(e: E): E => ({
  ...e,
  metadata: { ...e.metadata, eventId: randomUUID() },
});

const to = (country: string, postalCode = '10115') =>
  paid(anOrder({ shippingAddress: anAddress({ country, postalCode }) }));

/** Everything consumed from the topics and committed, and everything it caused published. */
async function settled(types: EventType[] = ['payment.processed', 'inventory.released']): Promise<void> {
  const topics = types.map((t) => tk.topic(t));
  await waitFor(
    async () => Object.values(await tk.admin.lag(`${c.prefix}${SERVICE_NAME}`, topics)).every((n) => n === 0),
    { description: 'consumer lag 0' },
  );
  await waitFor(
    async () => (await sql.query('SELECT 1 FROM fulfillment.outbox WHERE published_at IS NULL LIMIT 1')).rowCount === 0,
    { description: 'outbox drained' },
  );
}

/** One order of a scenario: its events in publishing order, and what happened to it before. */
interface Case {
  releases?: InventoryReleased[];
  payments: PaymentProcessed[];
  before?: 'shipped';
}

/** The same mix every time, with fresh order ids: every outcome, and orders that come twice. */
function mixedCases(): Case[] {
  const twice = to('US');
  const twiceSameId = to('FR');
  const undeliverableTwice = to('DE', '00000');
  const expiredTwice = to('GB');
  const expiredReleasedTwice = to('AT');
  return [
    ...['GB', 'US', 'FR', 'DE', 'AT', 'IT', 'GB', 'US'].map((country) => ({ payments: [to(country)] })),
    { payments: [to('DE', '00000')] },
    { payments: [to('AQ')] },
    { payments: [to('GB')], before: 'shipped' },
    { payments: [twice, withNewId(twice)] },
    { payments: [twiceSameId, twiceSameId] },
    { payments: [undeliverableTwice, withNewId(undeliverableTwice)] },
    ...[to('FR'), to('US')].map((p) => ({ releases: [released(p)], payments: [p] })),
    { releases: [released(expiredTwice)], payments: [expiredTwice, withNewId(expiredTwice)] },
    { releases: [released(expiredReleasedTwice), released(expiredReleasedTwice)], payments: [expiredReleasedTwice] },
    ...[to('DE'), to('GB')].map((p) => ({ releases: [released(p, 'payment.failed')], payments: [p] })),
  ];
}

/** Each order's events in rounds (first events of all orders, then the second ones): an order's two are apart. */
const rounds = <E>(lists: E[][]): E[] =>
  Array.from({ length: Math.max(0, ...lists.map((l) => l.length)) }, (_, i) =>
    lists.flatMap((l) => (l[i] ? [l[i]] : [])),
  ).flat();

async function shipBefore(cases: Case[]): Promise<void> {
  for (const k of cases) if (k.before === 'shipped') await tk.publish('payment.processed', withNewId(k.payments[0]!));
  await settled();
}

/** What became of each case, without its ids: the events emitted for it (caused by which of its payments), its shipment. */
async function outcomes(cases: Case[]) {
  const emitted = [...(await tk.events('order.fulfilled')), ...(await tk.events('fulfillment.failed'))];
  const ids = cases.map((k) => k.payments[0]!.orderId);
  const shipments = new Map(
    (
      await sql.query(
        `SELECT order_id, status, carrier, failure_code, tracking_number FROM fulfillment.shipments
         WHERE order_id = ANY($1)`,
        [ids],
      )
    ).rows.map((r) => [r.order_id as string, r]),
  );
  const cancelled = new Set(
    (await sql.query('SELECT order_id FROM fulfillment.cancelled_orders WHERE order_id = ANY($1)', [ids])).rows.map(
      (r) => r.order_id as string,
    ),
  );
  return cases.map(({ payments }) => {
    const orderId = payments[0]!.orderId;
    const s = shipments.get(orderId);
    return {
      events: emitted
        .filter((e) => e.orderId === orderId)
        .map((e) => ({
          type: e.metadata.eventType,
          causedBy: payments.findIndex((p) => p.metadata.eventId === e.metadata.causationId),
          carrier: 'carrier' in e ? e.carrier : null,
          reasonCode: 'reasonCode' in e ? e.reasonCode : null,
          trackingIsTheShipments: 'trackingNumber' in e ? e.trackingNumber === s?.tracking_number : null,
        })),
      shipment: s && { status: s.status, carrier: s.carrier, failureCode: s.failure_code },
      cancelled: cancelled.has(orderId),
    };
  });
}

/** How many times `type` was handled in `mode` (batch, or single records including the fallback). */
async function handled(type: EventType, mode: 'batch' | 'single'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('orderflow_handler_duration_seconds_count{') &&
        l.includes(`event_type="${type}"`) &&
        l.includes(`mode="${mode}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

let batchCases: Case[];

it('ships a batch of many paid orders with mixed outcomes exactly as one event after another', async () => {
  const oneByOne = mixedCases();
  await shipBefore(oneByOne);
  for (const e of rounds(oneByOne.map((k) => k.releases ?? []))) {
    await tk.publish('inventory.released', e);
    await settled();
  }
  for (const e of rounds(oneByOne.map((k) => k.payments))) {
    await tk.publish('payment.processed', e);
    await settled();
  }

  batchCases = mixedCases();
  await shipBefore(batchCases);
  const singles = {
    released: await handled('inventory.released', 'single'),
    paid: await handled('payment.processed', 'single'),
  };
  const batches = await handled('payment.processed', 'batch');
  await tk.publishMany('inventory.released', rounds(batchCases.map((k) => k.releases ?? [])));
  await settled(['inventory.released']);
  await tk.publishMany('payment.processed', rounds(batchCases.map((k) => k.payments)));
  await settled();
  expect(await handled('payment.processed', 'batch')).toBeGreaterThan(batches);
  expect(await handled('inventory.released', 'single')).toBe(singles.released);
  expect(await handled('payment.processed', 'single')).toBe(singles.paid);

  const actual = await outcomes(batchCases);
  expect(actual).toEqual(await outcomes(oneByOne));
  // What one after another means, spelled out for a few cases.
  expect(actual[0]).toMatchObject({
    events: [{ type: 'order.fulfilled', causedBy: 0, carrier: 'Royal Mail', trackingIsTheShipments: true }],
    shipment: { status: 'CREATED', carrier: 'Royal Mail' },
  });
  expect(actual[8]).toMatchObject({ events: [{ reasonCode: 'UNDELIVERABLE_DESTINATION' }] });
  expect(actual[10]!.events).toEqual([expect.objectContaining({ causedBy: -1 })]);
  for (const i of [11, 12, 13, 16, 17]) expect(actual[i]!.events).toEqual([expect.objectContaining({ causedBy: 0 })]);
  for (const i of [14, 15, 16, 17]) {
    expect(actual[i]).toMatchObject({
      events: [{ type: 'fulfillment.failed', reasonCode: 'RESERVATION_EXPIRED' }],
      cancelled: true,
    });
  }
  for (const i of [18, 19])
    expect(actual[i]).toMatchObject({ events: [{ type: 'order.fulfilled' }], cancelled: false });
});

it('changes nothing when a whole batch is delivered again', async () => {
  const before = await outcomes(batchCases);
  await tk.publishMany('inventory.released', rounds(batchCases.map((k) => k.releases ?? [])));
  await tk.publishMany('payment.processed', rounds(batchCases.map((k) => k.payments)));
  await settled();
  expect(await outcomes(batchCases)).toEqual(before);
});

it('dead-letters only an undecodable record of a batch and ships every good one once', async () => {
  const good: Case[] = ['GB', 'US', 'FR', 'DE', 'AT', 'IT'].map((country) => ({ payments: [to(country)] }));
  const poisonKey = `ord-${randomUUID()}`;
  const records = await Promise.all(
    good.map(async ({ payments: [p] }) => ({
      topic: tk.topic('payment.processed'),
      key: p!.orderId,
      value: await tk.codec.encode('payment.processed', p!),
    })),
  );
  records.splice(3, 0, { topic: tk.topic('payment.processed'), key: poisonKey, value: Buffer.from('not a payment') });
  await tk.producer.send(records);
  await settled();
  const dead = await waitFor(
    async () => {
      const ours = (await tk.deadLetters('payment.processed')).filter((m) => m.key === poisonKey);
      return ours.length > 0 && ours;
    },
    { description: 'dead letter' },
  );
  expect(dead).toHaveLength(1);
  for (const o of await outcomes(good)) {
    expect(o).toMatchObject({ events: [{ type: 'order.fulfilled', causedBy: 0 }], shipment: { status: 'CREATED' } });
  }
});
