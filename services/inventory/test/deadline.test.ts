/**
 * The payment step's deadline (inventory owns it), against the real broker and PostgreSQL: a reservation that gets
 * no payment outcome in time is released by itself, with inventory.released (reason payment.deadline); one that was
 * paid in time is not; a shipment that raced the deadline still takes its units out of stock.
 */
import { PAYMENT_DEADLINE_REASON } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { aLine, componentTest, getJson, uniqueId, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { inventory } from '../src/service';
import { orderFulfilled, orderValidated, paymentProcessed } from './events';

const TOKEN = 'test-admin-token';
const DEADLINE_MS = 1500;
const c = componentTest('inventory', async (env) => runService(inventory(readConfig(env))), {
  env: { ADMIN_TOKEN: TOKEN, PAYMENT_DEADLINE_MS: String(DEADLINE_MS), DEADLINE_SWEEP_MS: '200' },
});
const { tk } = c;

const newSku = async (onHand: number) => {
  const s = `DL-${uniqueId()}`;
  const r = await getJson(c.port, `/stock/${s}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ onHand }),
  });
  expect(r.status).toBe(200);
  return s;
};
const stockOf = async (s: string) => (await getJson(c.port, `/stock/${s}`)).body;
const statusOf = async (orderId: string) => (await getJson(c.port, `/reservations/${orderId}`)).body.status;
const released = async (orderId: string) =>
  (await tk.events('inventory.released')).filter((e) => e.orderId === orderId);

async function reserve(s: string, quantity: number) {
  const v = orderValidated([aLine({ sku: s, quantity })]);
  await tk.publish('order.validated', v);
  await waitFor(async () => (await statusOf(v.orderId)) === 'RESERVED', { description: 'reserved' });
  return v;
}

it('releases a reservation whose payment outcome never came, and says so', async () => {
  const s = await newSku(10);
  const v = await reserve(s, 4);
  expect(await stockOf(s)).toMatchObject({ reserved: 4, available: 6 });
  const [event] = await waitFor(
    async () => {
      const r = await released(v.orderId);
      return r.length > 0 && r;
    },
    { timeoutMs: 15000, description: 'inventory.released after the deadline' },
  );
  expect(event).toMatchObject({ reason: PAYMENT_DEADLINE_REASON, lines: [{ sku: s, quantity: 4 }] });
  expect(event!.metadata).toMatchObject({ correlationId: v.orderId, causationId: v.metadata.eventId });
  expect(event!.releasedAt - v.validatedAt).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
  expect(await statusOf(v.orderId)).toBe('EXPIRED');
  expect(await stockOf(s)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
});

it('keeps a reservation that was paid in time, and ships it', async () => {
  const s = await newSku(10);
  const v = await reserve(s, 3);
  await tk.publish('payment.processed', paymentProcessed(v));
  await waitFor(async () => (await statusOf(v.orderId)) === 'PAID', { description: 'paid' });
  await new Promise((r) => setTimeout(r, DEADLINE_MS + 1000)); // well past the deadline
  expect(await released(v.orderId)).toEqual([]);
  expect(await stockOf(s)).toMatchObject({ reserved: 3 });
  await tk.publish('order.fulfilled', orderFulfilled(v.orderId, v.order.lines));
  await waitFor(async () => (await statusOf(v.orderId)) === 'SHIPPED', { description: 'shipped' });
  expect(await stockOf(s)).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
});

it('a shipment that raced the deadline still takes its units out of stock', async () => {
  const s = await newSku(5);
  const v = await reserve(s, 2);
  await waitFor(async () => (await statusOf(v.orderId)) === 'EXPIRED', {
    timeoutMs: 15000,
    description: 'expired',
  });
  await tk.publish('order.fulfilled', orderFulfilled(v.orderId, v.order.lines));
  await waitFor(async () => (await statusOf(v.orderId)) === 'SHIPPED', { description: 'shipped' });
  expect(await stockOf(s)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
});

it('expired reservations shipped together: each takes from what the previous left, never below zero', async () => {
  const s = await newSku(5);
  const [a, b] = [await reserve(s, 2), await reserve(s, 2)];
  for (const v of [a, b]) {
    await waitFor(async () => (await statusOf(v.orderId)) === 'EXPIRED', { timeoutMs: 15000, description: 'expired' });
  }
  // A stock count finds 3 on hand: enough for one of the two late shipments.
  const count = await getJson(c.port, `/stock/${s}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ onHand: 3 }),
  });
  expect(count.status).toBe(200);
  await tk.publishMany('order.fulfilled', [
    orderFulfilled(a.orderId, a.order.lines),
    orderFulfilled(b.orderId, b.order.lines),
  ]);
  for (const v of [a, b]) {
    await waitFor(async () => (await statusOf(v.orderId)) === 'SHIPPED', { description: 'shipped' });
  }
  expect(await stockOf(s)).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
});
