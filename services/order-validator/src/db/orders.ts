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
 * Records the decision for a new order id. Returns false (and counts the resubmission) when the order id was seen
 * before: a repeated order id is not a new order, whatever its event id.
 */
export async function recordDecision(tx: ClientBase, d: OrderDecision): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO orders (order_id, status, customer_email, currency, total_minor, reasons, event_id, correlation_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, to_timestamp($9 / 1000.0))
     ON CONFLICT (order_id) DO UPDATE SET duplicate_submissions = orders.duplicate_submissions + 1
     RETURNING (xmax = 0) AS inserted`,
    [
      d.orderId,
      d.status,
      d.customerEmail,
      d.currency,
      d.totalMinor,
      JSON.stringify(d.reasons),
      d.eventId,
      d.correlationId,
      d.createdAt,
    ],
  );
  return r.rows[0].inserted === true;
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
