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

/** Why a payment was recorded: the consumed event, when, and who pays (kept for refund notices). */
export interface PaymentCause {
  eventId: string;
  correlationId: string;
  at: number;
  customer?: unknown;
}

/**
 * Which of the orders already have a payment (their rows locked for the rest of the transaction, in order id order
 * so that concurrent batches cannot deadlock) and which were voided: one statement for a whole batch.
 */
export async function chargeStates(
  tx: ClientBase,
  orderIds: readonly string[],
): Promise<{ paid: Set<string>; voided: Set<string> }> {
  const r = await tx.query<{ order_id: string; state: 'paid' | 'voided' }>(
    `WITH paid AS MATERIALIZED (
       SELECT order_id FROM payments WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE
     )
     SELECT order_id, 'paid' AS state FROM paid
     UNION ALL
     SELECT order_id, 'voided' AS state FROM voided_orders WHERE order_id = ANY($1::text[])`,
    [orderIds],
  );
  const of = (state: string) => new Set(r.rows.filter((row) => row.state === state).map((row) => row.order_id));
  return { paid: of('paid'), voided: of('voided') };
}

/**
 * Records the outcomes of orders' charges in one statement; returns the order ids recorded. An order that already
 * has a payment is left as it is (and not returned). Order ids are distinct.
 */
export async function recordPayments(
  tx: ClientBase,
  rows: readonly { payment: Payment; cause: PaymentCause }[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const p = <K extends keyof Payment>(k: K) => rows.map((row) => row.payment[k]);
  const r = await tx.query<{ order_id: string }>(
    `INSERT INTO payments (order_id, payment_id, status, amount_minor, currency, provider_reference, failure_code,
                           failure_message, event_id, correlation_id, charged_at, failed_at, customer)
     SELECT p.order_id, p.payment_id, p.status, p.amount_minor, p.currency, p.provider_reference, p.failure_code,
            p.failure_message, p.event_id, p.correlation_id,
            CASE WHEN p.status = 'CHARGED' THEN to_timestamp(p.at / 1000.0) END,
            CASE WHEN p.status = 'FAILED' THEN to_timestamp(p.at / 1000.0) END, p.customer::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::bigint[], $12::text[])
          AS p(order_id, payment_id, status, amount_minor, currency, provider_reference, failure_code,
               failure_message, event_id, correlation_id, at, customer)
     ON CONFLICT (order_id) DO NOTHING
     RETURNING order_id`,
    [
      p('orderId'),
      p('paymentId'),
      p('status'),
      p('amountMinor'),
      p('currency'),
      p('providerReference'),
      p('failureCode'),
      p('failureMessage'),
      rows.map((row) => row.cause.eventId),
      rows.map((row) => row.cause.correlationId),
      rows.map((row) => row.cause.at),
      rows.map((row) => (row.cause.customer === undefined ? null : JSON.stringify(row.cause.customer))),
    ],
  );
  return new Set(r.rows.map((row) => row.order_id));
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

/**
 * Payments per status, for /metrics: folds the per-statement changes the triggers appended
 * (migrations/1700000000303_status_counts.sql) into the totals, then reads the totals. Costs what changed since the
 * last fold, not the table's history. Replicas may fold at once: a change row is deleted (and counted) by one of them
 * only, and the totals are updated in one order (by status), so folds queue rather than deadlock.
 */
export async function countByStatus(pool: Pool): Promise<Record<PaymentStatus, number>> {
  await pool.query(
    `WITH folded AS (DELETE FROM payment_status_changes RETURNING status, delta)
     INSERT INTO payment_status_totals AS t (status, n)
     SELECT status, sum(delta) FROM folded GROUP BY status ORDER BY status
     ON CONFLICT (status) DO UPDATE SET n = t.n + EXCLUDED.n`,
  );
  const r = await pool.query<{ status: string; n: number }>(`SELECT status, n::int AS n FROM payment_status_totals`);
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
