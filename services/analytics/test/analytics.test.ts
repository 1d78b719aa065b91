/**
 * analytics as a component: real Kafka, registry and PostgreSQL; the service runs in-process with its own database,
 * schema, role and topic prefix. Events are published as the other services would publish them.
 */
import { Client } from 'pg';
import { EVENT_TYPES } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { analytics } from '../src/service';
import type { Summary } from '../src/db/summary';
import type { Timeline } from '../src/domain/timeline';
import { happyJourney, paymentFailedJourney, refundedJourney, type Published } from './journeys';

const c = componentTest('analytics', (env) => runService(analytics(readConfig(env))));
const { tk, prefix } = c;

const publishAll = async (events: readonly Published[]) => {
  for (const e of events) await tk.publish(e.type as never, e.event as never);
};
type TimelineBody = Timeline & { failureReason: string | null };
const timeline = async (orderId: string): Promise<TimelineBody> =>
  (await getJson(c.port, `/orders/${orderId}/timeline`)).body;
const summary = async (): Promise<Summary> => (await getJson(c.port, '/summary')).body;
const timelineOf = (orderId: string, events: number) =>
  waitFor(
    async () => {
      const t = await timeline(orderId);
      return t?.events?.length === events && t;
    },
    { description: `${events} events on the timeline of ${orderId}` },
  );
/** Every record of every topic consumed and committed by the analytics group: nothing is still in flight. */
const caughtUp = async () => {
  const lag = await tk.admin.lag(
    `${prefix}analytics`,
    EVENT_TYPES.map((t) => tk.topic(t)),
  );
  return Object.values(lag).every((n) => n === 0);
};
const settledSummary = () =>
  waitFor(async () => (await caughtUp()) && summary(), { description: 'analytics caught up' });
const diff = (after: Summary['funnel'], before: Summary['funnel']) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
const revenueOf = (s: Summary, currency: string) =>
  s.revenue.find((r) => r.currency === currency) ?? { chargedMinor: 0, refundedMinor: 0, netMinor: 0 };

/**
 * The journeys' events, one producer request per type (so a partition's records of one type are adjacent and are
 * consumed in batches); `copies`: each record that many times in a row.
 */
const sendJourneys = async (journeys: readonly { events: readonly Published[] }[], copies = 1) => {
  for (const type of EVENT_TYPES) {
    const records = await Promise.all(
      journeys
        .flatMap((j) => j.events)
        .filter((e) => e.type === type)
        .map(async (e) => ({
          topic: tk.topic(type),
          key: (e.event as { orderId: string }).orderId,
          value: await tk.codec.encode(type, e.event as never),
        })),
    );
    if (records.length > 0) await tk.producer.send(records.flatMap((r) => Array.from({ length: copies }, () => r)));
  }
};

const t0 = Date.UTC(2025, 5, 1, 9, 0, 0);
const happy = happyJourney(t0);
let happyTimeline: TimelineBody;

it('follows a happy journey: six events in order, FULFILLED, counted in the funnel and the revenue', async () => {
  const before = await settledSummary();
  await publishAll(happy.events);
  happyTimeline = await timelineOf(happy.orderId, 6);

  expect(happyTimeline.stage).toBe('FULFILLED');
  expect(happyTimeline.events.map((e) => [e.type, e.sincePreviousMs])).toEqual([
    ['order.created', null],
    ['order.validated', 100],
    ['inventory.reserved', 150],
    ['payment.processed', 200],
    ['order.fulfilled', 250],
    ['notification.sent', 100],
  ]);
  expect(happyTimeline.events[0]).toMatchObject({ source: 'test-upstream', occurredAt: '2025-06-01T09:00:00.000Z' });
  expect(happyTimeline.events[4]?.summary).toMatchObject({ carrier: 'DHL', trackingNumber: 'JD0001' });
  expect(happyTimeline.stageDurationsMs).toEqual({
    validation: 100,
    reservation: 150,
    payment: 200,
    fulfillment: 250,
    endToEnd: 700,
  });

  const after = await settledSummary();
  expect(diff(after.funnel, before.funnel)).toEqual({
    created: 1,
    validated: 1,
    rejected: 0,
    reserved: 1,
    outOfStock: 0,
    paid: 1,
    paymentFailed: 0,
    fulfilled: 1,
    fulfillmentFailed: 0,
    refunded: 0,
    released: 0,
    notified: 1,
  });
  expect(revenueOf(after, 'EUR').chargedMinor - revenueOf(before, 'EUR').chargedMinor).toBe(2500);
  expect(after.eventsProcessed - before.eventsProcessed).toBe(6);
  expect(after.stageTimingsMs.createdToFulfilled).toEqual({ p50: 700, p95: 700, avg: 700 });
});

it('gives the same timeline when the events of an order arrive in a scrambled order', async () => {
  const scrambled = happyJourney(t0 + 60_000);
  const [created, validated, reserved, paid, fulfilled, sent] = scrambled.events;
  await publishAll([sent!, paid!, fulfilled!, created!, reserved!, validated!]);
  const t = await timelineOf(scrambled.orderId, 6);
  const shape = (x: Timeline) => ({
    stage: x.stage,
    durations: x.stageDurationsMs,
    events: x.events.map((e) => [e.type, e.sincePreviousMs]),
  });
  expect(shape(t)).toEqual(shape(happyTimeline));
});

it('ends a failed payment at PAYMENT_FAILED and a compensated fulfillment at REFUNDED, with reasons and net revenue', async () => {
  const before = await settledSummary();
  const failed = paymentFailedJourney(t0 + 120_000, 'INSUFFICIENT_FUNDS');
  const refunded = refundedJourney(t0 + 180_000, 'CARRIER_UNAVAILABLE');
  await publishAll([...failed.events, ...refunded.events]);

  const f = await timelineOf(failed.orderId, 5);
  expect(f.stage).toBe('PAYMENT_FAILED');
  expect(f.failureReason).toBe('INSUFFICIENT_FUNDS');
  expect(f.stageDurationsMs).toEqual({
    validation: 100,
    reservation: 150,
    payment: 50,
    fulfillment: null,
    endToEnd: 300,
  });
  expect((await timelineOf(refunded.orderId, 7)).stage).toBe('REFUNDED');

  const after = await settledSummary();
  expect(after.failureReasons).toEqual(
    expect.arrayContaining([
      { stage: 'payment', code: 'INSUFFICIENT_FUNDS', count: 1 },
      { stage: 'fulfillment', code: 'CARRIER_UNAVAILABLE', count: 1 },
    ]),
  );
  expect(diff(after.funnel, before.funnel)).toMatchObject({
    paymentFailed: 1,
    fulfillmentFailed: 1,
    refunded: 1,
    released: 2,
    fulfilled: 0,
  });
  const [eurBefore, eurAfter] = [revenueOf(before, 'EUR'), revenueOf(after, 'EUR')];
  expect(eurAfter.chargedMinor - eurBefore.chargedMinor).toBe(8000);
  expect(eurAfter.refundedMinor - eurBefore.refundedMinor).toBe(8000);
  expect(eurAfter.netMinor).toBe(eurBefore.netMinor);
});

it('counts a redelivered event once', async () => {
  const before = await settledSummary();
  await tk.publish('payment.processed', happy.eventOf('payment.processed'));
  await tk.publish('notification.sent', happy.eventOf('notification.sent'));
  const after = await settledSummary();
  expect(after).toEqual(before);
  expect((await timeline(happy.orderId)).events).toHaveLength(6);
});

it('folds many events consumed together (a batch) exactly as it folds them one at a time', async () => {
  const before = await settledSummary();
  // 40 orders, each happy and then notified a second time: two notification.sent of one order land on the same
  // partition next to each other, so batches hold several events of one order as well as many orders.
  const journeys = Array.from({ length: 40 }, (_, i) =>
    happyJourney(t0 + 600_000 + i * 1000).notified(900, 'ORDER_SHIPPED', 'order.fulfilled'),
  );
  await sendJourneys(journeys);

  const after = await settledSummary();
  expect(after.eventsProcessed - before.eventsProcessed).toBe(40 * 7);
  expect(diff(after.funnel, before.funnel)).toEqual({
    created: 40,
    validated: 40,
    rejected: 0,
    reserved: 40,
    outOfStock: 0,
    paid: 40,
    paymentFailed: 0,
    fulfilled: 40,
    fulfillmentFailed: 0,
    refunded: 0,
    released: 0,
    notified: 40,
  });
  expect(revenueOf(after, 'EUR').chargedMinor - revenueOf(before, 'EUR').chargedMinor).toBe(40 * 2500);
  const pg = new Client({ connectionString: c.db.url });
  await pg.connect();
  try {
    const { rows } = await pg.query(
      `SELECT notified_count, created_at, fulfilled_at, last_event_at FROM analytics.orders WHERE order_id = ANY($1)`,
      [journeys.map((j) => j.orderId)],
    );
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      expect(row.notified_count).toBe(2);
      expect(row.fulfilled_at.getTime() - row.created_at.getTime()).toBe(700);
      expect(row.last_event_at.getTime() - row.created_at.getTime()).toBe(900);
    }
  } finally {
    await pg.end();
  }
  const sample = await timelineOf(journeys[17]!.orderId, 7);
  expect(sample.stage).toBe('FULFILLED');
  expect(sample.stageDurationsMs.endToEnd).toBe(700);
});

it("keeps every event's summary exactly, quotes, backslashes and non-ASCII text included, in a batch", async () => {
  // Three orders sent one producer request per type: their order.fulfilled events share a batch and one statement.
  const carriers = ['DHL "Express"', 'a\\b\\"c', 'Ünïcödé 注文 🧾, {x}'];
  const journeys = carriers.map((carrier, i) => {
    const j = happyJourney(t0 + 900_000 + i * 1000);
    for (const e of j.events)
      if (e.type === 'order.fulfilled') Object.assign(e.event, { carrier, trackingNumber: `T-${i}'"\\` });
    return j;
  });
  await sendJourneys(journeys);
  for (const [i, j] of journeys.entries()) {
    const t = await timelineOf(j.orderId, 6);
    expect(t.events[4]?.summary).toMatchObject({ carrier: carriers[i], trackingNumber: `T-${i}'"\\` });
    expect(t.events[3]?.summary).toMatchObject({ amountMinor: 2500, currency: 'EUR' });
  }
});

it('folds an event delivered twice within one batch once, and keeps no inbox row beside its timeline', async () => {
  const before = await settledSummary();
  // Each record sent twice in a row: same key, same partition, adjacent, so most pairs are consumed in one batch,
  // where the timeline's primary key is the only guard (analytics claims no inbox row).
  const journeys = Array.from({ length: 20 }, (_, i) => happyJourney(t0 + 3_600_000 + i * 1000));
  await sendJourneys(journeys, 2);
  const after = await settledSummary();
  expect(after.eventsProcessed - before.eventsProcessed).toBe(20 * 6);
  expect(diff(after.funnel, before.funnel)).toMatchObject({ created: 20, paid: 20, fulfilled: 20, notified: 20 });
  expect(revenueOf(after, 'EUR').chargedMinor - revenueOf(before, 'EUR').chargedMinor).toBe(20 * 2500);
  const pg = new Client({ connectionString: c.db.url });
  await pg.connect();
  try {
    const { rows } = await pg.query(`SELECT notified_count FROM analytics.orders WHERE order_id = ANY($1)`, [
      journeys.map((j) => j.orderId),
    ]);
    expect(rows.map((r) => r.notified_count)).toEqual(journeys.map(() => 1));
    expect((await pg.query('SELECT count(*)::int AS n FROM analytics.inbox')).rows[0].n).toBe(0);
  } finally {
    await pg.end();
  }
});

it('answers HTTP errors as JSON: 404 unknown order, 400 naming the field', async () => {
  expect(await getJson(c.port, '/orders/nope/timeline')).toEqual({
    status: 404,
    body: { error: { code: 'NOT_FOUND', message: 'order nope not found' } },
  });
  const tooLong = await getJson(c.port, `/orders/${'x'.repeat(201)}/timeline`);
  expect(tooLong.status).toBe(400);
  expect(tooLong.body.error).toMatchObject({ code: 'INVALID_REQUEST', field: 'id' });
});
