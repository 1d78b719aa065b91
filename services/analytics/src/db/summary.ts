import type { ClientBase, Pool } from 'pg';
import { withTransaction } from '@orderflow/outbox';
import { FAILURE_STEP, type Step } from '../domain/journey';

/** Consecutive stage pairs whose elapsed time is reported, as [name, from column, to column]. */
const TIMINGS = [
  ['createdToValidated', 'created_at', 'validated_at'],
  ['validatedToReserved', 'validated_at', 'reserved_at'],
  ['reservedToPaid', 'reserved_at', 'paid_at'],
  ['paidToFulfilled', 'paid_at', 'fulfilled_at'],
  ['createdToFulfilled', 'created_at', 'fulfilled_at'],
] as const;
type TimingName = (typeof TIMINGS)[number][0];

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  avg: number | null;
}

export interface Summary {
  funnel: Record<
    | 'created'
    | 'validated'
    | 'rejected'
    | 'reserved'
    | 'outOfStock'
    | 'paid'
    | 'paymentFailed'
    | 'fulfilled'
    | 'fulfillmentFailed'
    | 'refunded'
    | 'released'
    | 'notified',
    number
  >;
  revenue: { currency: string; chargedMinor: number; refundedMinor: number; netMinor: number }[];
  failureReasons: { stage: Step; code: string; count: number }[];
  stageTimingsMs: Record<TimingName, Percentiles>;
  eventsProcessed: number;
}

/** Runs `read`'s statements in one snapshot of the read model (REPEATABLE READ, read only), so they agree. */
export function inSnapshot<R>(pool: Pool, read: (c: ClientBase) => Promise<R>): Promise<R> {
  return withTransaction(pool, read, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
}

/** The whole picture, read in one snapshot so that its parts agree with each other. */
export function readSummary(pool: Pool): Promise<Summary> {
  return inSnapshot(pool, summaryIn);
}

/** The summary of the read model `c` sees (its search_path; a debugging replay's temporary tables, say). */
export async function summaryIn(c: ClientBase): Promise<Summary> {
  return {
    funnel: await funnel(c),
    revenue: await revenue(c),
    failureReasons: await failureReasons(c),
    stageTimingsMs: await stageTimings(c),
    eventsProcessed: Number((await c.query('SELECT count(*) AS n FROM events')).rows[0].n),
  };
}

async function funnel(c: ClientBase): Promise<Summary['funnel']> {
  const { rows } = await c.query(
    `SELECT count(created_at) AS "created", count(validated_at) AS "validated", count(rejected_at) AS "rejected",
            count(reserved_at) AS "reserved", count(inventory_rejected_at) AS "outOfStock", count(paid_at) AS "paid",
            count(payment_failed_at) AS "paymentFailed", count(fulfilled_at) AS "fulfilled",
            count(fulfillment_failed_at) AS "fulfillmentFailed", count(refunded_at) AS "refunded",
            count(released_at) AS "released", count(*) FILTER (WHERE notified_count > 0) AS "notified"
     FROM orders`,
  );
  return Object.fromEntries(
    Object.entries(rows[0] as Record<string, string>).map(([k, v]) => [k, Number(v)]),
  ) as Summary['funnel'];
}

/** Charged and refunded amounts per currency, summed exactly in SQL (numeric) from the payment events. */
async function revenue(c: ClientBase): Promise<Summary['revenue']> {
  const { rows } = await c.query(
    `SELECT currency, charged, refunded, charged - refunded AS net
     FROM (SELECT summary->>'currency' AS currency,
                  COALESCE(sum((summary->>'amountMinor')::numeric) FILTER (WHERE event_type = 'payment.processed'), 0) AS charged,
                  COALESCE(sum((summary->>'amountMinor')::numeric) FILTER (WHERE event_type = 'payment.refunded'), 0) AS refunded
           FROM events WHERE event_type IN ('payment.processed', 'payment.refunded')
           GROUP BY 1) t
     ORDER BY currency`,
  );
  return rows.map((r) => ({
    currency: r.currency as string,
    chargedMinor: Number(r.charged),
    refundedMinor: Number(r.refunded),
    netMinor: Number(r.net),
  }));
}

/**
 * The failure types as SQL literals (constants of the catalog, never input): a constant list lets the planner use
 * events_kind_idx, whose predicate names them; a parameter would not.
 */
const FAILURE_TYPES = Object.keys(FAILURE_STEP)
  .map((t) => `'${t.replace(/'/g, "''")}'`)
  .join(', ');

/** Orders per failed step and reason code (an order rejected for two rules counts under both). */
async function failureReasons(c: ClientBase): Promise<Summary['failureReasons']> {
  const { rows } = await c.query(
    `SELECT e.event_type, code, count(DISTINCT e.order_id) AS n
     FROM events e CROSS JOIN LATERAL jsonb_array_elements_text(e.summary->'reasonCodes') AS code
     WHERE e.event_type IN (${FAILURE_TYPES})
     GROUP BY 1, 2 ORDER BY n DESC, 1, 2`,
  );
  return rows.map((r) => ({
    stage: FAILURE_STEP[r.event_type as keyof typeof FAILURE_STEP]!,
    code: r.code as string,
    count: Number(r.n),
  }));
}

async function stageTimings(c: ClientBase): Promise<Summary['stageTimingsMs']> {
  const elapsed = TIMINGS.map(([n, from, to]) => `extract(epoch FROM ${to} - ${from})::float8 * 1000 AS "${n}"`).join(
    ', ',
  );
  const aggregates = TIMINGS.map(
    ([n]) =>
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY "${n}") AS "${n}_p50", ` +
      `percentile_cont(0.95) WITHIN GROUP (ORDER BY "${n}") AS "${n}_p95", avg("${n}") AS "${n}_avg"`,
  ).join(', ');
  const { rows } = await c.query(`WITH d AS (SELECT ${elapsed} FROM orders) SELECT ${aggregates} FROM d`);
  const row = rows[0] as Record<string, number | null>;
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v));
  return Object.fromEntries(
    TIMINGS.map(([n]) => [n, { p50: ms(row[`${n}_p50`]), p95: ms(row[`${n}_p95`]), avg: ms(row[`${n}_avg`]) }]),
  ) as Summary['stageTimingsMs'];
}
