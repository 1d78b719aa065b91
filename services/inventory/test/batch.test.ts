/**
 * The set-based batch path, against the real broker and PostgreSQL. Every topic has ONE partition here, so what is
 * published in one request is consumed as one batch, in publish order: a batch can then be compared with the same
 * events handled one at a time (published one by one, each handled before the next is sent).
 */
import type { EventMap, EventType, IoOrderflowCommon } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { aLine, componentTest, uniqueId, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { inventory } from '../src/service';
import {
  fulfillmentFailed,
  orderFulfilled,
  orderValidated,
  paymentFailed,
  paymentProcessed,
  resubmitted,
} from './events';
import { ADMIN_TOKEN, probes } from './probes';

const c = componentTest('inventory', async (env) => runService(inventory(readConfig(env))), {
  partitions: 1,
  env: { ADMIN_TOKEN },
});
const { tk } = c;
const p = probes(c);

type Line = IoOrderflowCommon.OrderLine;
type Validated = EventMap['order.validated'];
const line = (sku: string, quantity: number): Line => aLine({ sku, quantity });
type Ten<T> = [T, T, T, T, T, T, T, T, T, T];

/** Encoded records of one topic, to be sent in one request (one batch); a Buffer is sent as it is (undecodable). */
async function recordsOf<T extends EventType>(type: T, events: ((EventMap[T] & { orderId: string }) | Buffer)[]) {
  return Promise.all(
    events.map(async (e) =>
      Buffer.isBuffer(e)
        ? { topic: tk.topic(type), key: `garbage-${uniqueId()}`, value: e }
        : { topic: tk.topic(type), key: e.orderId, value: await tk.codec.encode(type, e) },
    ),
  );
}

/** Publishes in one request and waits until all are handled; asserts they went through the set-based path. */
async function asOneBatch<T extends EventType>(type: T, events: (EventMap[T] & { orderId: string })[]) {
  const [single, batch] = [await p.handlerRuns(type, 'single'), await p.handlerRuns(type, 'batch')];
  const records = await recordsOf(type, events);
  await p.settle(events.length, () => tk.producer.send(records));
  expect(await p.handlerRuns(type, 'single')).toBe(single); // no record took the one-by-one path
  expect(await p.handlerRuns(type, 'batch')).toBeGreaterThan(batch);
  return records;
}

/** Publishes one by one, each handled before the next is sent: the record-at-a-time path. */
async function oneByOne<T extends EventType>(type: T, events: (EventMap[T] & { orderId: string })[]) {
  const batch = await p.handlerRuns(type, 'batch');
  for (const e of events) await p.settle(1, () => tk.publish(type, e));
  expect(await p.handlerRuns(type, 'batch')).toBe(batch);
}

/** What inventory decided for these orders, as comparable data (SKUs renamed by `label`). */
async function outcomes(orders: Validated[], consumed: Validated[], label: (sku: string) => string) {
  const ids = orders.map((o) => o.orderId);
  const emitted = [...(await p.eventsOf('inventory.reserved', ids)), ...(await p.eventsOf('inventory.rejected', ids))];
  const consumedIds = new Map(consumed.map((e) => [e.metadata.eventId, e.orderId]));
  const causes = emitted.map((e) => e.metadata.causationId);
  expect(new Set(causes).size).toBe(causes.length); // one outcome per consumed event at most
  for (const e of emitted) {
    expect(consumedIds.get(e.metadata.causationId!)).toBe(e.orderId); // caused by that order's consumed event
    expect(e.metadata.correlationId).toBe(e.orderId);
  }
  return Promise.all(
    orders.map(async (o) => {
      const mine = emitted.filter((e) => e.orderId === o.orderId);
      const r = await p.reservationOf(o.orderId);
      return {
        events: mine.map((e) =>
          'shortages' in e ? e.shortages.map((s) => ({ ...s, sku: label(s.sku) })) : 'RESERVED',
        ),
        reservation: r && { status: r.status, lines: r.lines.map((l: Line) => ({ ...l, sku: label(l.sku) })) },
      };
    }),
  );
}

it('a batch of orders with mixed outcomes leaves the same state and emits the same events as one by one', async () => {
  const run = (tag: string) => {
    const skus = ['A', 'B', 'C'].map((s) => `${s}-${tag}`);
    const [a, b, cc] = skus as [string, string, string];
    // 40 orders competing for the same SKUs: the first ones fit, later ones fall short on one SKU or another, one
    // names an unknown SKU, one names a SKU on two lines.
    const orders = Array.from({ length: 40 }, (_, i) =>
      orderValidated([
        line(a, 1 + (i % 3)),
        ...(i % 3 === 0 ? [line(b, 1 + (i % 2))] : []),
        ...(i % 5 === 0 ? [line(cc, 1)] : []),
        ...(i === 7 ? [line(`NOPE-${tag}`, 1)] : []),
        ...(i === 11 ? [line(b, 1)] : []),
      ]),
    );
    // In the same batch: a redelivery (same event id), resubmissions of a reserved and of a rejected order.
    const consumed = [...orders];
    consumed.splice(12, 0, orders[3]!);
    consumed.splice(25, 0, resubmitted(orders[5]!));
    consumed.push(resubmitted(orders[39]!));
    return { skus, orders, consumed };
  };
  const [tx, ty] = [uniqueId(), uniqueId()];
  const [x, y] = [run(tx), run(ty)];
  for (const s of [...x.skus, ...y.skus]) await p.putStock(s, s.startsWith('A') ? 45 : s.startsWith('B') ? 12 : 4);

  await asOneBatch('order.validated', x.consumed);
  await oneByOne('order.validated', y.consumed);

  await waitFor(async () => (await p.eventsOf('inventory.rejected', [y.orders[39]!.orderId])).length === 2, {
    description: 'the last outcomes relayed',
  });
  const [ox, oy] = [
    await outcomes(x.orders, x.consumed, (s) => s.replace(tx, '*')),
    await outcomes(y.orders, y.consumed, (s) => s.replace(ty, '*')),
  ];
  expect(ox).toEqual(oy);
  const counts = (o: typeof ox) => o.map((r) => (r.reservation ? 'R' : r.events.length ? 'X' : '-')).join('');
  expect(counts(ox)).toMatch(/R.*X/); // mixed outcomes, as meant
  expect(ox[39]!.events).toHaveLength(2); // the rejected order was decided again when resubmitted
  expect(ox[5]!.events).toEqual(['RESERVED']); // the reserved one was not reserved twice
  for (const i of [0, 1, 2]) {
    const [sx, sy] = [await p.stockOf(x.skus[i]!), await p.stockOf(y.skus[i]!)];
    expect({ ...sx, sku: '*' }).toEqual({ ...sy, sku: '*' });
  }
});

it('a bad record inside a batch is dead-lettered alone; the good ones are handled exactly once', async () => {
  const s = `P-${uniqueId()}`;
  await p.putStock(s, 100);
  const good = Array.from({ length: 6 }, () => orderValidated([line(s, 2)]));
  const broken = orderValidated([line(s, 0)]); // a quantity order-validator never lets through: breaks the contract
  const records = await recordsOf('order.validated', [
    good[0]!,
    good[1]!,
    Buffer.from('not avro at all'),
    good[2]!,
    broken,
    good[3]!,
    good[4]!,
    good[5]!,
  ]);
  await p.settle(records.length, () => tk.producer.send(records));
  const dead = await waitFor(
    async () => {
      const d = (await tk.deadLetters('order.validated')).filter(
        (m) => m.key === broken.orderId || m.key?.startsWith('garbage-'),
      );
      return d.length >= 2 && d;
    },
    { description: 'two dead letters' },
  );
  expect(dead.map((m) => m.key).sort()).toEqual([broken.orderId, records[2]!.key].sort());
  const ids = good.map((g) => g.orderId);
  await waitFor(async () => (await p.eventsOf('inventory.reserved', ids)).length === 6, { description: '6 reserved' });
  expect((await p.eventsOf('inventory.reserved', ids)).map((e) => e.orderId).sort()).toEqual([...ids].sort());
  expect(await p.eventsOf('inventory.rejected', [...ids, broken.orderId])).toEqual([]);
  expect(await p.reservationOf(broken.orderId)).toBeUndefined();
  expect(await p.stockOf(s)).toEqual({ sku: s, onHand: 100, reserved: 12, available: 88 });
});

it('a batch redelivered (same event ids) changes nothing', async () => {
  const s = `D-${uniqueId()}`;
  await p.putStock(s, 5);
  const orders = Array.from({ length: 8 }, () => orderValidated([line(s, 1)]));
  const records = await asOneBatch('order.validated', orders);
  const ids = orders.map((o) => o.orderId);
  const outcomesNow = async () =>
    (await p.eventsOf('inventory.reserved', ids)).length + (await p.eventsOf('inventory.rejected', ids)).length;
  await waitFor(async () => (await outcomesNow()) === 8, { description: '8 outcomes' });
  const stock = await p.stockOf(s);
  expect(stock).toEqual({ sku: s, onHand: 5, reserved: 5, available: 0 });

  await p.settle(records.length, () => tk.producer.send(records));
  // The relay publishes in commit order: once a later order's outcome is out, anything the redelivery wrote is too.
  const sentinel = orderValidated([line(s, 1)]);
  await tk.publish('order.validated', sentinel);
  await waitFor(async () => (await p.eventsOf('inventory.rejected', [sentinel.orderId])).length === 1, {
    description: 'the sentinel decided',
  });
  expect(await outcomesNow()).toBe(8);
  expect(await p.stockOf(s)).toEqual(stock);
  expect((await tk.deadLetters('order.validated')).filter((m) => ids.includes(m.key!))).toEqual([]);
});

it('payments, failures and shipments in batches: each order once, in order, stock exact', async () => {
  const s = `S-${uniqueId()}`;
  await p.putStock(s, 100);
  const orders = Array.from({ length: 10 }, (_, i) => orderValidated([line(s, i + 1)])); // order i holds i+1 units
  await asOneBatch('order.validated', orders);
  expect(await p.stockOf(s)).toMatchObject({ onHand: 100, reserved: 55 });
  const [o0, o1, o2, o3, o4, , , , o8, o9] = orders as Ten<Validated>;
  const id = (o: Validated) => o.orderId;

  // Paid, twice for o0 (the second finds it PAID already), and once for an order inventory never reserved.
  const stranger = orderValidated([line(s, 1)]);
  await asOneBatch('payment.processed', [
    paymentProcessed(o0),
    paymentProcessed(o0),
    ...[o1, o2, o3, o4].map((o) => paymentProcessed(o)),
    paymentProcessed(stranger),
  ]);
  for (const o of [o0, o1, o2, o3, o4]) expect((await p.reservationOf(id(o)))?.status).toBe('PAID');
  expect((await p.reservationOf(id(o8)))?.status).toBe('RESERVED');

  // Released: o1 (PAID) twice under two event ids, o8 (RESERVED); nothing for the stranger.
  const failures = [paymentFailed(id(o1)), paymentFailed(id(o1)), paymentFailed(id(o8)), paymentFailed(id(stranger))];
  await asOneBatch('payment.failed', failures);
  expect(await p.stockOf(s)).toMatchObject({ onHand: 100, reserved: 55 - 2 - 9 });

  // Shipped: o0, o2 (twice), o9 (RESERVED still holds its units); o1 was released: stock unchanged for it.
  await asOneBatch('order.fulfilled', [
    orderFulfilled(id(o0), o0.order.lines),
    orderFulfilled(id(o1), o1.order.lines),
    orderFulfilled(id(o2), o2.order.lines),
    orderFulfilled(id(o2), o2.order.lines),
    orderFulfilled(id(o9), o9.order.lines),
  ]);
  const shipped = 1 + 3 + 10;
  expect(await p.stockOf(s)).toMatchObject({ onHand: 100 - shipped, reserved: 55 - 11 - shipped });

  // Fulfillment failed: o3 released; o0 already shipped, so nothing.
  await asOneBatch('fulfillment.failed', [fulfillmentFailed(id(o3)), fulfillmentFailed(id(o0))]);
  expect(await p.stockOf(s)).toEqual({
    sku: s,
    onHand: 100 - shipped,
    reserved: 55 - 11 - shipped - 4,
    available: 100 - shipped - (55 - 11 - shipped - 4),
  });

  const statuses = await Promise.all(orders.map(async (o) => (await p.reservationOf(o.orderId))?.status));
  expect(statuses).toEqual([
    'SHIPPED',
    'RELEASED',
    'SHIPPED',
    'RELEASED',
    'PAID',
    'RESERVED',
    'RESERVED',
    'RESERVED',
    'RELEASED',
    'SHIPPED',
  ]);
  const released = await waitFor(
    async () => {
      const r = await p.eventsOf(
        'inventory.released',
        orders.map((o) => o.orderId),
      );
      return r.length >= 3 && r;
    },
    { description: 'three releases' },
  );
  await p.settle(1, () => tk.publish('payment.failed', paymentFailed(id(o4)))); // a later one, relayed after them
  await waitFor(async () => (await p.eventsOf('inventory.released', [id(o4)])).length === 1, { description: 'o4' });
  const all = await p.eventsOf('inventory.released', [id(o1), id(o8), id(o3)]);
  expect(all.map((e) => [e.orderId, e.reason, e.lines]).sort()).toEqual(
    [
      [id(o1), 'payment.failed', [{ sku: s, quantity: 2 }]],
      [id(o3), 'fulfillment.failed', [{ sku: s, quantity: 4 }]],
      [id(o8), 'payment.failed', [{ sku: s, quantity: 9 }]],
    ].sort(),
  );
  // Each caused by the very event that released it (the first payment.failed of o1, not its second).
  const causes = new Map(all.map((e) => [e.orderId, e.metadata.causationId]));
  expect(causes.get(id(o1))).toBe(failures[0]!.metadata.eventId);
  expect(causes.get(id(o8))).toBe(failures[2]!.metadata.eventId);
  expect(released.length).toBe(3);
});
