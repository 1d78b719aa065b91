import type { ClientBase, Pool } from 'pg';
import type { Rejection } from '../domain/validation';

export interface OrderDecision {
  orderId: string;
  status: 'VALIDATED' | 'REJECTED';
  customerEmail: string;
  currency: string;
  totalMinor: number;
  reasons: Rejection[];
  eventId: string;
  correlationId: string;
  createdAt: number;
}

/**
 * Records the decisions for order ids, in one statement; returns the order ids that were new. An order id seen before
 * is not a new order, whatever its event id: its decision stays, and its resubmission is counted (`repeats` more are
 * counted for the later submissions of the same batch). Order ids are distinct.
 */
export async function recordDecisions(
  tx: ClientBase,
  decisions: readonly (OrderDecision & { repeats: number })[],
): Promise<Set<string>> {
  if (decisions.length === 0) return new Set();
  const col = <K extends keyof OrderDecision | 'repeats'>(k: K) => decisions.map((d) => d[k]);
  const r = await tx.query<{ order_id: string; inserted: boolean }>(
    `INSERT INTO orders (order_id, status, customer_email, currency, total_minor, reasons, event_id, correlation_id,
                         created_at, duplicate_submissions)
     SELECT d.order_id, d.status, d.customer_email, d.currency, d.total_minor, d.reasons::jsonb, d.event_id,
            d.correlation_id, to_timestamp(d.created_at / 1000.0), d.repeats
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
                 $9::bigint[], $10::int[])
          AS d(order_id, status, customer_email, currency, total_minor, reasons, event_id, correlation_id, created_at,
               repeats)
     ON CONFLICT (order_id) DO UPDATE
       SET duplicate_submissions = orders.duplicate_submissions + 1 + EXCLUDED.duplicate_submissions
     RETURNING order_id, (xmax = 0) AS inserted`,
    [
      col('orderId'),
      col('status'),
      col('customerEmail'),
      col('currency'),
      col('totalMinor'),
      decisions.map((d) => JSON.stringify(d.reasons)),
      col('eventId'),
      col('correlationId'),
      col('createdAt'),
      col('repeats'),
    ],
  );
  return new Set(r.rows.filter((row) => row.inserted).map((row) => row.order_id));
}

export async function findOrder(pool: Pool, orderId: string) {
  const r = await pool.query(
    `SELECT order_id, status, customer_email, currency, total_minor, reasons, correlation_id, created_at, decided_at,
            duplicate_submissions
     FROM orders WHERE order_id = $1`,
    [orderId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    orderId: row.order_id as string,
    status: row.status as string,
    customerEmail: row.customer_email as string,
    currency: row.currency as string,
    totalMinor: Number(row.total_minor),
    reasons: row.reasons as Rejection[],
    correlationId: row.correlation_id as string,
    createdAt: (row.created_at as Date).toISOString(),
    decidedAt: (row.decided_at as Date).toISOString(),
    duplicateSubmissions: row.duplicate_submissions as number,
  };
}
