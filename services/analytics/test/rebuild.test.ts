/**
 * The zero-downtime rebuild: analytics runs in-process and keeps consuming a live stream of orders while a shadow
 * read model is rebuilt from the topics and switched in. Real Kafka, registry and PostgreSQL.
 */
import { Client } from 'pg';
import { EVENT_TYPES, type EventType } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import type { Summary } from '../src/db/summary';
import { replaySelection } from '../src/rebuild/debug';
import { latestRebuild } from '../src/rebuild/progress';
import { rebuild } from '../src/rebuild/rebuild';
import { analytics } from '../src/service';
import { happyJourney, paymentFailedJourney, refundedJourney, type Published } from './journeys';

const c = componentTest('analytics', (env) => runService(analytics(readConfig(env))));
const { tk, prefix } = c;

/** The funnel counter each event type moves: the expectation is computed from what was published, not read back. */
const FUNNEL_OF: Partial<Record<EventType, keyof Summary['funnel']>> = {
  'order.created': 'created',
  'order.validated': 'validated',
  'order.rejected': 'rejected',
  'inventory.reserved': 'reserved',
  'inventory.rejected': 'outOfStock',
  'inventory.released': 'released',
  'payment.processed': 'paid',
  'payment.failed': 'paymentFailed',
  'payment.refunded': 'refunded',
  'order.fulfilled': 'fulfilled',
  'fulfillment.failed': 'fulfillmentFailed',
  'notification.sent': 'notified',
};

type Journey = { orderId: string; events: Published[] };
const published: Journey[] = [];
const t0 = Date.UTC(2025, 6, 1, 8, 0, 0);
const journey = (i: number): Journey =>
  i % 5 === 3
    ? paymentFailedJourney(t0 + i * 1000, 'DECLINED')
    : i % 5 === 4
      ? refundedJourney(t0 + i * 1000, 'CARRIER_UNAVAILABLE')
      : happyJourney(t0 + i * 1000);

async function publishJourney(j: Journey): Promise<void> {
  published.push(j);
  for (const e of j.events) await tk.publish(e.type as never, e.event as never);
}

const summary = async (): Promise<Summary> => (await getJson(c.port, '/summary')).body;
const caughtUp = async () =>
  Object.values(
    await tk.admin.lag(
      `${prefix}analytics`,
      EVENT_TYPES.map((t) => tk.topic(t)),
    ),
  ).every((n) => n === 0);

function expectedFunnel(): Summary['funnel'] {
  const funnel = Object.fromEntries(Object.values(FUNNEL_OF).map((k) => [k, 0])) as Summary['funnel'];
  for (const j of published) for (const k of new Set(j.events.map((e) => FUNNEL_OF[e.type]))) if (k) funnel[k] += 1;
  return funnel;
}

it('refuses a group the broker has no offsets of, and leaves the live model alone', async () => {
  for (let i = 0; i < 20; i++) await publishJourney(journey(i));
  const before = await waitFor(async () => (await caughtUp()) && summary(), { description: 'analytics caught up' });
  expect(before.funnel.created).toBe(20);
  await expect(rebuild(readConfig({ ...c.env, CONSUMER_GROUP: `${prefix}not-analytics` }))).rejects.toThrow(
    /no committed offsets.*TOPIC_PREFIX and CONSUMER_GROUP/,
  );
  expect(await summary()).toEqual(before);
});

it('rebuilds beside the live model under a live stream and switches without losing or doubling an order', async () => {
  // A live stream for the whole rebuild, and a reader that checks every answer of /summary meanwhile.
  let streaming = true;
  const stream = (async () => {
    for (let i = 20; streaming; i++) await publishJourney(journey(i));
  })();
  const seen: number[] = [];
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const r = await getJson(c.port, '/summary');
      expect(r.status).toBe(200);
      seen.push(r.body.funnel.created);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();

  await waitFor(async () => published.length > 25, { description: 'the stream under way' });
  const atStart = published.length;
  const progress: number[] = [];
  const report = await rebuild(readConfig(c.env), { pollMs: 200, onProgress: (p) => progress.push(p.consumed) });
  const atSwitch = published.length;
  await new Promise((res) => setTimeout(res, 1500)); // the stream goes on after the switch too
  streaming = false;
  await stream;
  reading = false;
  await reader;

  // Progress went up to the target, the diff found nothing, and the service never showed a half-built model:
  // the orders it counted never went down.
  expect(report.target).toBeGreaterThanOrEqual(20 * 5);
  expect(progress.at(-1)).toBe(report.target);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(report.diff).toMatchObject({ empty: true, missingFromShadow: 0, orders: { count: 0 } });
  expect(report.diff.comparedOrders).toBeGreaterThanOrEqual(20);
  expect(report.switch.heldMs).toBeLessThan(5000);
  console.log(
    `rebuild: ${report.target} records, ${report.diff.comparedOrders} orders compared, ` +
      `${report.diff.inFlight.events} events in flight; writers held ${report.switch.heldMs} ms, ${report.switch.attempts} try(s)`,
  );
  expect(seen.length).toBeGreaterThan(5);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(atSwitch).toBeGreaterThan(atStart); // orders kept coming during the rebuild
  expect(published.length).toBeGreaterThan(atSwitch); // and after the switch

  // After the stream: every published order exactly once, with exactly its events, in the switched-in model.
  const settled = await waitFor(
    async () => {
      const s = (await caughtUp()) && (await summary());
      return s && s.funnel.created === published.length && s;
    },
    { description: 'analytics caught up with the stream after the switch' },
  );
  expect(settled.funnel).toEqual(expectedFunnel());
  expect(settled.eventsProcessed).toBe(published.reduce((n, j) => n + j.events.length, 0));
  const pg = new Client({ connectionString: c.db.url });
  await pg.connect();
  try {
    const { rows } = await pg.query(
      `SELECT o.order_id, count(e.event_id)::int AS n FROM analytics.orders o JOIN analytics.events e USING (order_id)
       GROUP BY 1`,
    );
    const counted = new Map(rows.map((r) => [r.order_id as string, r.n as number]));
    expect(counted.size).toBe(published.length);
    for (const j of published) expect([j.orderId, counted.get(j.orderId)]).toEqual([j.orderId, j.events.length]);
  } finally {
    await pg.end();
  }
  const status = await latestRebuild({
    query: async (sql: string, v?: unknown[]) => {
      const client = new Client({ connectionString: c.env.DATABASE_URL });
      await client.connect();
      try {
        return await client.query(sql, v);
      } finally {
        await client.end();
      }
    },
  } as never);
  expect(status).toMatchObject({ id: report.id, status: 'switched', fraction: 1, diff: { empty: true } });
});

it('replays one order from the topics without touching the live model', async () => {
  const j = published[4]!;
  const live = (await getJson(c.port, `/orders/${j.orderId}/timeline`)).body;
  const before = await summary();
  const replayed = await replaySelection(readConfig(c.env), { orderId: j.orderId });
  expect(replayed?.records).toBe(j.events.length);
  expect(replayed?.timeline).toEqual(live);
  expect(await summary()).toEqual(before);
});

it('replays a time window from the topics: only what happened in it', async () => {
  const window = await replaySelection(readConfig(c.env), { from: t0 + 4000, to: t0 + 5000 });
  const j = published[4]!; // the only journey stamped in that second: a refunded one
  expect(window.eventsProcessed).toBe(j.events.length);
  expect(window.funnel).toMatchObject({ created: 1, paid: 1, fulfillmentFailed: 1, refunded: 1, fulfilled: 0 });
});
