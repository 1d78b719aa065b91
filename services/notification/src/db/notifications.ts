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

/** A decision to notify; with `failed`, the notification is recorded as failed at once (an unusable address). */
export interface NotificationRecord extends NewNotification {
  failed?: { code: FailureCode; reason: string };
}

/**
 * Records decisions to notify, in the consumed events' transaction, with one statement however many there are.
 * Returns the ids that were new: an event that already has a notification (the UNIQUE trigger key, and the id
 * derived from it) is left as it is. Nothing is sent here; the delivery worker sends after the commit.
 */
export async function recordNotifications(tx: ClientBase, rows: readonly NotificationRecord[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const col = <K extends keyof NewNotification>(k: K) => rows.map((n) => n[k]);
  const r = await tx.query(
    `INSERT INTO notifications (notification_id, order_id, template, recipient, subject, body, triggered_by_event_id,
                                triggered_by_type, correlation_id, status, failure_code, last_error, failed_at)
     SELECT n.id, n.order_id, n.template, n.recipient, n.subject, n.body, n.event_id, n.event_type, n.correlation_id,
            CASE WHEN n.failure_code IS NULL THEN 'PENDING' ELSE 'FAILED' END, n.failure_code, n.reason,
            CASE WHEN n.failure_code IS NOT NULL THEN now() END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::text[])
          WITH ORDINALITY AS n(id, order_id, template, recipient, subject, body, event_id, event_type, correlation_id,
                               failure_code, reason, ord)
     ORDER BY n.ord
     ON CONFLICT DO NOTHING
     RETURNING notification_id`,
    [
      col('notificationId'),
      col('orderId'),
      col('template'),
      col('recipient'),
      col('subject'),
      col('body'),
      col('triggeredByEventId'),
      col('triggeredByType'),
      col('correlationId'),
      rows.map((n) => n.failed?.code ?? null),
      rows.map((n) => n.failed?.reason ?? null),
    ],
  );
  return new Set(r.rows.map((row) => row.notification_id as string));
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
       ORDER BY next_attempt_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING n.notification_id, n.order_id, n.template, n.recipient, n.subject, n.body, n.triggered_by_event_id,
               n.triggered_by_type, n.correlation_id, n.attempts, n.next_attempt_at, n.seq`,
    [limit, claimMs / 1000],
  );
  // RETURNING keeps no order: due first, and notifications that fell due together in the order they were decided
  // (one order's mails go out in that order, one after another: see Lanes).
  const rows = r.rows.sort(
    (a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime() || Number(a.seq) - Number(b.seq),
  );
  return rows.map((row) => ({
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

/** A mail the SMTP server accepted, and when. */
export interface Accepted {
  notificationId: string;
  sentAt: number;
}

/**
 * Marks many notifications delivered in one statement; returns the ids it marked (one that is not pending any more
 * was marked by someone else, and is left out).
 */
export async function markSentMany(tx: ClientBase, accepted: readonly Accepted[]): Promise<Set<string>> {
  if (accepted.length === 0) return new Set();
  const r = await tx.query(
    `UPDATE notifications n SET status = 'SENT', sent_at = to_timestamp(a.sent_at / 1000.0), claimed_until = NULL,
                                deliveries = n.deliveries + 1, last_error = NULL
     FROM unnest($1::text[], $2::float8[]) AS a(notification_id, sent_at)
     WHERE n.notification_id = a.notification_id AND n.status = 'PENDING'
     RETURNING n.notification_id`,
    [accepted.map((a) => a.notificationId), accepted.map((a) => a.sentAt)],
  );
  return new Set(r.rows.map((row) => row.notification_id as string));
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

/** Every notification of an order, oldest first (those decided together in the order they were decided), with its delivery status. */
export async function notificationsOfOrder(pool: Pool, orderId: string) {
  const r = await pool.query(
    `SELECT notification_id, template, recipient, subject, triggered_by_type, status, sent_at, attempts, failure_code,
            last_error
     FROM notifications WHERE order_id = $1 ORDER BY created_at, seq`,
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
