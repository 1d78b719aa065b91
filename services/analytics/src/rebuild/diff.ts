import type { ClientBase } from 'pg';
import { ident } from '@orderflow/outbox';
import { STAMP_COLUMN } from '../db/orders';
import { STAMPS, type StampName } from '../domain/journey';

export interface ModelDiff {
  /** Orders compared: those whose events are the same in both models. */
  comparedOrders: number;
  /** Events the shadow has and the live model had not consumed yet when it stopped for the switch (a live stream). */
  inFlight: { events: number; orders: number };
  /** Events of the live model the shadow lacks: always 0 at a switch (the switch waits for it). */
  missingFromShadow: number;
  /** Orders that reached each stage, per model, over the compared orders. */
  stages: { stage: StampName | 'notified'; live: number; shadow: number }[];
  /** Charged and refunded minor units per currency, per model, over the compared orders. */
  revenue: {
    currency: string;
    live: { charged: number; refunded: number };
    shadow: { charged: number; refunded: number };
  }[];
  /** Compared orders whose folded rows differ (or exist in one model only): how many, and the first 50. */
  orders: { count: number; sample: { orderId: string; live: unknown; shadow: unknown }[] };
  /** True when the compared orders agree in every respect and the shadow misses nothing. */
  empty: boolean;
}

/**
 * Compares the shadow read model with the live one, both at rest (the caller stops their writers). A live stream
 * means the shadow may hold a few events the live model has not consumed yet; orders touched by those are reported
 * as in flight and left out of the comparison, every other order must agree column by column.
 */
export async function diffModels(c: ClientBase, live: string, shadow: string): Promise<ModelDiff> {
  const [L, S] = [ident(live), ident(shadow)];
  // Orders whose events differ between the models: not comparable (yet).
  const skip = `(SELECT s.order_id FROM ${S}.events s LEFT JOIN ${L}.events l USING (order_id, event_id) WHERE l.event_id IS NULL
                 UNION SELECT l.order_id FROM ${L}.events l LEFT JOIN ${S}.events s USING (order_id, event_id) WHERE s.event_id IS NULL)`;
  const gap = (a: string, b: string) =>
    `SELECT count(*)::int AS events, count(DISTINCT a.order_id)::int AS orders
     FROM ${a}.events a LEFT JOIN ${b}.events b USING (order_id, event_id) WHERE b.event_id IS NULL`;
  const inFlight = (await c.query(gap(S, L))).rows[0] as ModelDiff['inFlight'];
  const missing = (await c.query(gap(L, S))).rows[0] as ModelDiff['inFlight'];

  const columns = [
    ...STAMPS.map((s) => `count(${STAMP_COLUMN[s]})::int`),
    'count(*) FILTER (WHERE notified_count > 0)::int',
  ];
  const stageCounts = async (schema: string) =>
    Object.values(
      (
        await c.query(`SELECT ${columns.map((col, i) => `${col} AS c${i}`).join(', ')} FROM ${schema}.orders
                      WHERE order_id NOT IN ${skip}`)
      ).rows[0] as Record<string, number>,
    );
  const [liveStages, shadowStages] = [await stageCounts(L), await stageCounts(S)];
  const stages = [...STAMPS, 'notified' as const].map((stage, i) => ({
    stage,
    live: liveStages[i] ?? 0,
    shadow: shadowStages[i] ?? 0,
  }));

  const money = async (schema: string) =>
    new Map(
      (
        await c.query<{ currency: string; charged: string; refunded: string }>(
          `SELECT summary->>'currency' AS currency,
                  COALESCE(sum((summary->>'amountMinor')::numeric) FILTER (WHERE event_type = 'payment.processed'), 0) AS charged,
                  COALESCE(sum((summary->>'amountMinor')::numeric) FILTER (WHERE event_type = 'payment.refunded'), 0) AS refunded
           FROM ${schema}.events WHERE event_type IN ('payment.processed', 'payment.refunded') AND order_id NOT IN ${skip}
           GROUP BY 1 ORDER BY 1`,
        )
      ).rows.map((r) => [r.currency, { charged: Number(r.charged), refunded: Number(r.refunded) }]),
    );
  const [liveMoney, shadowMoney] = [await money(L), await money(S)];
  const none = { charged: 0, refunded: 0 };
  const revenue = [...new Set([...liveMoney.keys(), ...shadowMoney.keys()])].sort().map((currency) => ({
    currency,
    live: liveMoney.get(currency) ?? none,
    shadow: shadowMoney.get(currency) ?? none,
  }));

  const differing = `FROM ${L}.orders l FULL JOIN ${S}.orders s ON s.order_id = l.order_id
                     WHERE ROW(l.*) IS DISTINCT FROM ROW(s.*) AND COALESCE(l.order_id, s.order_id) NOT IN ${skip}`;
  const count = Number((await c.query(`SELECT count(*) AS n ${differing}`)).rows[0].n);
  const sample = (
    await c.query(
      `SELECT COALESCE(l.order_id, s.order_id) AS "orderId", to_jsonb(l) AS live, to_jsonb(s) AS shadow ${differing}
       ORDER BY 1 LIMIT 50`,
    )
  ).rows as ModelDiff['orders']['sample'];
  const compared = Number(
    (await c.query(`SELECT count(*) AS n FROM ${L}.orders WHERE order_id NOT IN ${skip}`)).rows[0].n,
  );

  const empty =
    missing.events === 0 &&
    count === 0 &&
    stages.every((s) => s.live === s.shadow) &&
    revenue.every((r) => r.live.charged === r.shadow.charged && r.live.refunded === r.shadow.refunded);
  return {
    comparedOrders: compared,
    inFlight,
    missingFromShadow: missing.events,
    stages,
    revenue,
    orders: { count, sample },
    empty,
  };
}
