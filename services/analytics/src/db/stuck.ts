import type { Pool } from 'pg';
import type { StepDeadlines } from '../domain/deadlines';
import type { Step } from '../domain/journey';

export interface StuckOrder {
  orderId: string;
  stage: 'STUCK';
  step: Step;
  /** When the order started waiting on the step (ISO 8601), and for how long (ms). */
  since: string;
  waitingMs: number;
}

// The same rule as domain/deadlines.ts waitingStep, in SQL so that it runs on the open-orders index.
const WAITING = `
  SELECT order_id,
         CASE WHEN validated_at IS NULL THEN 'validation' WHEN reserved_at IS NULL THEN 'reservation'
              WHEN paid_at IS NULL THEN 'payment' ELSE 'fulfillment' END AS step,
         CASE WHEN validated_at IS NULL THEN created_at WHEN reserved_at IS NULL THEN validated_at
              WHEN paid_at IS NULL THEN reserved_at ELSE paid_at END AS since
  FROM orders
  WHERE rejected_at IS NULL AND inventory_rejected_at IS NULL AND payment_failed_at IS NULL AND fulfilled_at IS NULL
    AND fulfillment_failed_at IS NULL AND refunded_at IS NULL AND created_at IS NOT NULL`;

const OVERDUE = `
  since < now() - make_interval(secs => CASE step WHEN 'validation' THEN $1::float8 WHEN 'reservation' THEN $2::float8
                                                  WHEN 'payment' THEN $3::float8 ELSE $4::float8 END)`;

const params = (d: StepDeadlines) => [d.validation, d.reservation, d.payment, d.fulfillment].map((ms) => ms / 1000);

/** Orders waiting on a step past its deadline, longest waiting first. */
export async function listStuck(pool: Pool, d: StepDeadlines, limit = 100): Promise<StuckOrder[]> {
  const r = await pool.query(
    `SELECT order_id, step, since, (extract(epoch FROM now() - since) * 1000)::float8 AS waiting
     FROM (${WAITING}) w WHERE ${OVERDUE} ORDER BY since LIMIT $5::int`,
    [...params(d), limit],
  );
  return r.rows.map((row) => ({
    orderId: row.order_id as string,
    stage: 'STUCK' as const,
    step: row.step as Step,
    since: (row.since as Date).toISOString(),
    waitingMs: Math.round(row.waiting as number),
  }));
}

/** Stuck orders per step (every step present, 0 when none). */
export async function countStuck(pool: Pool, d: StepDeadlines): Promise<Record<Step, number>> {
  const r = await pool.query(
    `SELECT step, count(*)::int AS n FROM (${WAITING}) w WHERE ${OVERDUE} GROUP BY step`,
    params(d),
  );
  const out: Record<Step, number> = { validation: 0, reservation: 0, payment: 0, fulfillment: 0 };
  for (const row of r.rows) out[row.step as Step] = row.n;
  return out;
}
