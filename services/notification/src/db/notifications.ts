import type { ClientBase, Pool } from 'pg';

export interface NewNotification {
  notificationId: string;
  orderId: string;
  template: string;
  recipient: string;
  subject: string;
  body: string;
  triggeredByEventId: string;
  triggeredByType: string;
  correlationId: string;
}

/** A notification as the delivery worker sees it. */
export interface DueNotification extends NewNotification {
  attempts: number;
}

export type FailureCode = 'INVALID_ADDRESS' | 'REJECTED' | 'GAVE_UP';

/**
 * Records the decision to notify, in the consumed event's transaction: returns false when this event already has a
 * notification (the UNIQUE trigger key). Nothing is sent here; the delivery worker sends after the commit. With
 * `failed`, the notification is recorded as failed at once (an address that cannot receive mail).
 */
export async function recordNotification(
  tx: ClientBase,
  n: NewNotification,
  failed?: { code: FailureCode; reason: string },
): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO notifications (notification_id, order_id, template, recipient, subject, body, triggered_by_event_id,
                                triggered_by_type, correlation_id, status, failure_code, last_error, failed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $10 = 'FAILED' THEN now() END)
     ON CONFLICT DO NOTHING`,
    [
      n.notificationId,
      n.orderId,
      n.template,
      n.recipient,
      n.subject,
      n.body,
      n.triggeredByEventId,
      n.triggeredByType,
      n.correlationId,
      failed ? 'FAILED' : 'PENDING',
      failed?.code ?? null,
      failed?.reason ?? null,
    ],
  );
  return r.rowCount === 1;
}

/**
 * Claims up to `limit` due notifications for `claimMs` (another replica skips them meanwhile; a crashed claimer's
 * claim expires) and counts the attempt.
 */
export async function claimDue(pool: Pool, limit: number, claimMs: number): Promise<DueNotification[]> {
  const r = await pool.query(
    `UPDATE notifications n SET claimed_until = now() + make_interval(secs => $2), attempts = n.attempts + 1
     WHERE n.notification_id IN (
       SELECT notification_id FROM notifications
       WHERE status = 'PENDING' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING n.notification_id, n.order_id, n.template, n.recipient, n.subject, n.body, n.triggered_by_event_id,
               n.triggered_by_type, n.correlation_id, n.attempts`,
    [limit, claimMs / 1000],
  );
  return r.rows.map((row) => ({
    notificationId: row.notification_id,
    orderId: row.order_id,
    template: row.template,
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    triggeredByEventId: row.triggered_by_event_id,
    triggeredByType: row.triggered_by_type,
    correlationId: row.correlation_id ?? row.order_id,
    attempts: row.attempts,
  }));
}

/** Marks a notification delivered; false if it was not pending any more (someone else marked it). */
export async function markSent(tx: ClientBase, notificationId: string, sentAt: number): Promise<boolean> {
  const r = await tx.query(
    `UPDATE notifications SET status = 'SENT', sent_at = to_timestamp($2 / 1000.0), claimed_until = NULL,
                              deliveries = deliveries + 1, last_error = NULL
     WHERE notification_id = $1 AND status = 'PENDING'`,
    [notificationId, sentAt],
  );
  return r.rowCount === 1;
}

/** Gives a notification up for good; false if it was not pending any more. */
export async function markFailed(
  tx: ClientBase,
  notificationId: string,
  code: FailureCode,
  reason: string,
): Promise<boolean> {
  const r = await tx.query(
    `UPDATE notifications SET status = 'FAILED', failure_code = $2, last_error = $3, failed_at = now(),
                              claimed_until = NULL
     WHERE notification_id = $1 AND status = 'PENDING'`,
    [notificationId, code, reason.slice(0, 1000)],
  );
  return r.rowCount === 1;
}

/** A temporary failure: tried again after `delayMs`, by whichever replica claims it then. */
export async function reschedule(pool: Pool, notificationId: string, delayMs: number, error: string): Promise<void> {
  await pool.query(
    `UPDATE notifications SET next_attempt_at = now() + make_interval(secs => $2), claimed_until = NULL,
                              last_error = $3
     WHERE notification_id = $1 AND status = 'PENDING'`,
    [notificationId, delayMs / 1000, error.slice(0, 1000)],
  );
}

/** Pending notifications and the age of the oldest, for health and metrics. */
export async function deliveryBacklog(pool: Pool): Promise<{ pending: number; oldestAgeMs: number }> {
  const r = await pool.query(
    `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::float8 AS age
     FROM notifications WHERE status = 'PENDING'`,
  );
  return { pending: r.rows[0].pending, oldestAgeMs: Math.round(r.rows[0].age) };
}

/** Every notification of an order, oldest first, with its delivery status. */
export async function notificationsOfOrder(pool: Pool, orderId: string) {
  const r = await pool.query(
    `SELECT notification_id, template, recipient, subject, triggered_by_type, status, sent_at, attempts, failure_code,
            last_error
     FROM notifications WHERE order_id = $1 ORDER BY created_at, notification_id`,
    [orderId],
  );
  return r.rows.map((row) => ({
    notificationId: row.notification_id as string,
    template: row.template as string,
    recipient: row.recipient as string,
    subject: row.subject as string,
    triggeredBy: row.triggered_by_type as string,
    status: row.status as 'PENDING' | 'SENT' | 'FAILED',
    sentAt: row.sent_at ? (row.sent_at as Date).toISOString() : null,
    attempts: row.attempts as number,
    ...(row.status === 'FAILED' ? { failure: { code: row.failure_code, reason: row.last_error } } : {}),
  }));
}
