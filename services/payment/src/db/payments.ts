import type { ClientBase, Pool } from 'pg';
import type { Payment, PaymentStatus } from '../domain/payment';

const COLUMNS = `order_id, payment_id, status, amount_minor, currency, provider_reference, failure_code, failure_message,
  correlation_id, charged_at, failed_at, refunded_at, refund_reference, customer`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row; every field is cast where it is read
function toPayment(row: Record<string, any>) {
  return {
    orderId: row.order_id as string,
    paymentId: row.payment_id as string,
    status: row.status as PaymentStatus,
    amountMinor: Number(row.amount_minor),
    currency: row.currency as string,
    providerReference: row.provider_reference as string | null,
    failureCode: row.failure_code as string | null,
    failureMessage: row.failure_message as string | null,
    correlationId: row.correlation_id as string,
    chargedAt: iso(row.charged_at),
    failedAt: iso(row.failed_at),
    refundedAt: iso(row.refunded_at),
    refundReference: row.refund_reference as string | null,
    customer: row.customer as { customerId: string; name: string; email: string } | null,
  };
}

export type PaymentView = ReturnType<typeof toPayment>;

/** The order's payment, locked for the rest of the transaction so that compensation runs once at a time. */
export async function lockPayment(tx: ClientBase, orderId: string): Promise<PaymentView | undefined> {
  const r = await tx.query(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return r.rows[0] ? toPayment(r.rows[0]) : undefined;
}

/** Records the outcome of an order's charge; false when the order already has a payment (nothing is changed). */
export async function recordPayment(
  tx: ClientBase,
  p: Payment,
  cause: { eventId: string; correlationId: string; at: number; customer?: unknown },
): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO payments (order_id, payment_id, status, amount_minor, currency, provider_reference, failure_code,
                           failure_message, event_id, correlation_id, charged_at, failed_at, customer)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
             CASE WHEN $3 = 'CHARGED' THEN to_timestamp($11 / 1000.0) END,
             CASE WHEN $3 = 'FAILED' THEN to_timestamp($11 / 1000.0) END, $12::jsonb)
     ON CONFLICT (order_id) DO NOTHING`,
    [
      p.orderId,
      p.paymentId,
      p.status,
      p.amountMinor,
      p.currency,
      p.providerReference,
      p.failureCode,
      p.failureMessage,
      cause.eventId,
      cause.correlationId,
      cause.at,
      cause.customer === undefined ? null : JSON.stringify(cause.customer),
    ],
  );
  return r.rowCount === 1;
}

export async function markRefunded(
  tx: ClientBase,
  orderId: string,
  refundReference: string,
  at: number,
): Promise<void> {
  await tx.query(
    `UPDATE payments SET status = 'REFUNDED', refund_reference = $2, refunded_at = to_timestamp($3 / 1000.0)
     WHERE order_id = $1 AND status = 'CHARGED'`,
    [orderId, refundReference, at],
  );
}

export async function findPayment(pool: Pool, orderId: string): Promise<PaymentView | undefined> {
  const r = await pool.query(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1`, [orderId]);
  return r.rows[0] ? toPayment(r.rows[0]) : undefined;
}

/** Payments per status, for /metrics. */
export async function countByStatus(pool: Pool): Promise<Record<PaymentStatus, number>> {
  const r = await pool.query(`SELECT status, count(*)::int AS n FROM payments GROUP BY status`);
  const counts: Record<PaymentStatus, number> = { CHARGED: 0, FAILED: 0, REFUNDED: 0 };
  for (const row of r.rows) counts[row.status as PaymentStatus] = row.n;
  return counts;
}

/** Marks an order as never to be charged (its reservation expired first); false if it was already. */
export async function voidOrder(tx: ClientBase, orderId: string, reason: string, eventId: string): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO voided_orders (order_id, reason, event_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [orderId, reason, eventId],
  );
  return r.rowCount === 1;
}

export async function isVoided(tx: ClientBase, orderId: string): Promise<boolean> {
  return ((await tx.query('SELECT 1 FROM voided_orders WHERE order_id = $1', [orderId])).rowCount ?? 0) > 0;
}
