/**
 * inventory as a component: real Kafka, registry and PostgreSQL; the service runs in-process with its own database,
 * schema, role and topic prefix. Every test works on SKUs of its own.
 */
import type { EventMap, EventType, IoOrderflowCommon } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { aLine, componentTest, getJson, uniqueId, waitFor } from '@orderflow/testing';
import { readConfig, type Config } from '../src/config';
import { inventory, seedConfiguredStock } from '../src/service';
import { fulfillmentFailed, orderFulfilled, orderValidated, paymentFailed, resubmitted } from './events';

const TOKEN = 'test-admin-token';
let config: Config;
const c = componentTest(
  'inventory',
  async (env) => {
    config = readConfig(env);
    const svc = await runService(inventory(config));
    await seedConfiguredStock(config);
    return svc;
  },
  { partitions: 3, env: { PARTITIONS_CONCURRENCY: '3', ADMIN_TOKEN: TOKEN, SEED_STOCK: '{"SEEDED-1": 7}' } },
);
const { tk } = c;

// --- builders and probes -------------------------------------------------------------------------------------------

const sku = (label: string) => `${label}-${uniqueId()}`;
const line = (s: string, quantity: number) => aLine({ sku: s, quantity });
const putStock = (s: string, body: unknown, token: string | null = TOKEN) =>
  getJson(c.port, `/stock/${encodeURIComponent(s)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
const stockOf = async (s: string) => (await getJson(c.port, `/stock/${s}`)).body;
const reservationOf = async (orderId: string) => (await getJson(c.port, `/reservations/${orderId}`)).body;
const eventsOf = async <T extends EventType>(type: T, orderId: string) =>
  (await tk.events(type)).filter((e) => e.orderId === orderId);
const deadLettersOf = async (type: EventType, orderId: string) =>
  (await tk.deadLetters(type)).filter((m) => m.key === orderId);
const eventOf = <T extends EventType>(type: T, orderId: string) =>
  waitFor(async () => (await eventsOf(type, orderId))[0], { description: `${type} of ${orderId}` });

/** Records the consumer has handled (duplicates included): lets a test wait for events that change nothing. */
const processed = async (): Promise<number> =>
  (await getJson(c.port, '/health/ready')).body.checks.find((c: { name: string }) => c.name === 'consumer').detail
    .processed;
async function publishAndSettle(events: [EventType, EventMap[EventType] & { orderId: string }][]) {
  const before = await processed();
  for (const [type, event] of events) await tk.publish(type, event);
  await waitFor(async () => (await processed()) >= before + events.length, {
    description: `${events.length} records handled`,
  });
}

async function reserved(lines: IoOrderflowCommon.OrderLine[]) {
  const v = orderValidated(lines);
  await tk.publish('order.validated', v);
  await eventOf('inventory.reserved', v.orderId);
  return v;
}

// --- tests ---------------------------------------------------------------------------------------------------------

it('reserves every line: inventory.reserved carries the order forward, stock shows the units held', async () => {
  const [a, b] = [sku('A'), sku('B')];
  expect((await putStock(a, { onHand: 10 })).status).toBe(200);
  expect((await putStock(b, { onHand: 2 })).status).toBe(200);
  const v = orderValidated([line(a, 2), line(b, 1), line(a, 3)]);
  await tk.publish('order.validated', v);
  const r = await eventOf('inventory.reserved', v.orderId);
  expect(r.order).toEqual(v.order);
  expect(r.metadata).toMatchObject({ source: 'inventory', correlationId: v.orderId, causationId: v.metadata.eventId });
  expect(await stockOf(a)).toEqual({ sku: a, onHand: 10, reserved: 5, available: 5 });
  expect(await stockOf(b)).toEqual({ sku: b, onHand: 2, reserved: 1, available: 1 });
  expect(await reservationOf(v.orderId)).toEqual({
    orderId: v.orderId,
    reservationId: r.reservationId,
    status: 'RESERVED',
    lines: [
      { sku: a, quantity: 5 },
      { sku: b, quantity: 1 },
    ],
  });
});

it('reserves nothing when one line is short, and lists every shortage', async () => {
  const [a, b, unknown] = [sku('A'), sku('B'), sku('NOPE')];
  await putStock(a, { onHand: 5 });
  await putStock(b, { onHand: 1 });
  const v = orderValidated([line(a, 2), line(b, 2), line(unknown, 1)]);
  await tk.publish('order.validated', v);
  const rejected = await eventOf('inventory.rejected', v.orderId);
  expect(rejected.shortages).toEqual([
    { sku: b, code: 'INSUFFICIENT_STOCK', requested: 2, available: 1 },
    { sku: unknown, code: 'UNKNOWN_SKU', requested: 1, available: 0 },
  ]);
  expect(rejected.customer).toEqual(v.order.customer);
  expect(await stockOf(a)).toMatchObject({ reserved: 0, available: 5 });
  expect(await stockOf(b)).toMatchObject({ reserved: 0, available: 1 });
  expect((await getJson(c.port, `/reservations/${v.orderId}`)).status).toBe(404);
  expect(await eventsOf('inventory.reserved', v.orderId)).toEqual([]);
});

it('50 concurrent orders for 10 units: exactly 10 reserved, 40 rejected, stock never negative', async () => {
  const s = sku('HOT');
  await putStock(s, { onHand: 10 });
  const orders = Array.from({ length: 50 }, () => orderValidated([line(s, 1)]));
  const ids = new Set(orders.map((o) => o.orderId));
  await Promise.all(orders.map((o) => tk.publish('order.validated', o)));
  const seenAvailable: number[] = [];
  const [ok, rejected] = await waitFor(
    async () => {
      seenAvailable.push((await stockOf(s)).available);
      const ok = (await tk.events('inventory.reserved')).filter((e) => ids.has(e.orderId));
      const no = (await tk.events('inventory.rejected')).filter((e) => ids.has(e.orderId));
      return ok.length + no.length >= 50 && ([ok, no] as const);
    },
    { description: '50 outcomes', timeoutMs: 30000 },
  );
  expect(ok).toHaveLength(10);
  expect(rejected).toHaveLength(40);
  expect(rejected.every((e) => e.shortages[0]?.code === 'INSUFFICIENT_STOCK' && e.shortages[0].available === 0)).toBe(
    true,
  );
  expect(await stockOf(s)).toEqual({ sku: s, onHand: 10, reserved: 10, available: 0 });
  expect(Math.min(...seenAvailable)).toBeGreaterThanOrEqual(0);
  // The service's own figures are refreshed in the background (no query per scrape): wait for the next refresh.
  await waitFor(
    async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
      const reservedUnits = /orderflow_inventory_reserved_units\{service="inventory"\} (\d+)/.exec(metrics)?.[1];
      return Number(reservedUnits) >= 10;
    },
    { description: 'orderflow_inventory_reserved_units >= 10' },
  );
});

it.each([
  ['payment.failed', paymentFailed],
  ['fulfillment.failed', fulfillmentFailed],
] as const)('%s releases the reservation once and restores available stock', async (reason, failure) => {
  const s = sku('R');
  await putStock(s, { onHand: 4 });
  const v = await reserved([line(s, 3)]);
  expect(await stockOf(s)).toMatchObject({ reserved: 3, available: 1 });
  const event = failure(v.orderId);
  // the event, its redelivery, and the same failure announced again under a new event id
  await publishAndSettle([
    [reason, event],
    [reason, event],
    [reason, failure(v.orderId)],
  ]);
  await eventOf('inventory.released', v.orderId); // the relay publishes after the commit that `processed` counts
  const released = await eventsOf('inventory.released', v.orderId);
  expect(released).toHaveLength(1);
  expect(released[0]).toMatchObject({
    reason,
    lines: [{ sku: s, quantity: 3 }],
    reservationId: (await reservationOf(v.orderId)).reservationId,
  });
  expect(await stockOf(s)).toEqual({ sku: s, onHand: 4, reserved: 0, available: 4 });
  expect((await reservationOf(v.orderId)).status).toBe('RELEASED');
  expect(await deadLettersOf(reason, v.orderId)).toEqual([]);
});

it('order.fulfilled ships the reservation: on-hand and reserved drop, a late failure releases nothing', async () => {
  const s = sku('F');
  await putStock(s, { onHand: 10 });
  const v = await reserved([line(s, 3)]);
  await publishAndSettle([['order.fulfilled', orderFulfilled(v.orderId, v.order.lines)]]);
  expect(await stockOf(s)).toEqual({ sku: s, onHand: 7, reserved: 0, available: 7 });
  expect((await reservationOf(v.orderId)).status).toBe('SHIPPED');
  await publishAndSettle([['payment.failed', paymentFailed(v.orderId)]]);
  expect(await stockOf(s)).toEqual({ sku: s, onHand: 7, reserved: 0, available: 7 });
  expect(await eventsOf('inventory.released', v.orderId)).toEqual([]);
  expect(await deadLettersOf('payment.failed', v.orderId)).toEqual([]);
});

it('a redelivered event and a resubmitted order change stock once', async () => {
  const s = sku('D');
  await putStock(s, { onHand: 10 });
  const v = orderValidated([line(s, 4)]);
  await publishAndSettle([
    ['order.validated', v],
    ['order.validated', v],
    ['order.validated', resubmitted(v)],
  ]);
  expect(await stockOf(s)).toEqual({ sku: s, onHand: 10, reserved: 4, available: 6 });
  await eventOf('inventory.reserved', v.orderId); // relayed after the commit
  expect(await eventsOf('inventory.reserved', v.orderId)).toHaveLength(1);
  expect(await deadLettersOf('order.validated', v.orderId)).toEqual([]); // ignored, not failed
});

it('PUT /stock: 401 without token, 403 wrong token, 400 naming the field, 409 below reserved', async () => {
  const s = sku('P');
  expect((await putStock(s, { onHand: 5 }, null)).status).toBe(401);
  expect((await putStock(s, { onHand: 5 }, 'wrong')).status).toBe(403);
  expect(await putStock(s, { onHand: -1 })).toMatchObject({
    status: 400,
    body: { error: { code: 'INVALID_REQUEST', field: 'onHand' } },
  });
  expect(await putStock(s, { onHand: 1.5 })).toMatchObject({ status: 400, body: { error: { field: 'onHand' } } });
  expect(await putStock(s, {})).toMatchObject({ status: 400, body: { error: { field: 'onHand' } } });
  expect(await putStock('bad sku', { onHand: 1 })).toMatchObject({ status: 400, body: { error: { field: 'sku' } } });
  expect((await getJson(c.port, `/stock/${s}`)).status).toBe(404);
  await putStock(s, { onHand: 5 });
  await reserved([line(s, 3)]);
  expect(await putStock(s, { onHand: 2 })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
  expect(await putStock(s, { onHand: 3 })).toEqual({
    status: 200,
    body: { sku: s, onHand: 3, reserved: 3, available: 0 },
  });
  expect((await getJson(c.port, '/reservations/nope')).status).toBe(404);
});

it('seeds SEED_STOCK once: a later seed leaves known SKUs alone', async () => {
  expect(await stockOf('SEEDED-1')).toEqual({ sku: 'SEEDED-1', onHand: 7, reserved: 0, available: 7 });
  await putStock('SEEDED-1', { onHand: 2 });
  expect(await seedConfiguredStock({ ...config, SEED_STOCK: { 'SEEDED-1': 7, 'SEEDED-2': 1 } })).toEqual(['SEEDED-2']);
  expect((await stockOf('SEEDED-1')).onHand).toBe(2);
  expect((await stockOf('SEEDED-2')).onHand).toBe(1);
});
