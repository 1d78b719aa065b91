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
}

/**
 * Writes the notification before anything is sent, so the UNIQUE trigger key is taken first: returns false when
 * this event already has a notification. The row is invisible until commit and rolls back if the send fails;
 * sent_at is provisional until markSent stamps the moment the SMTP server accepted the message.
 */
export async function claimNotification(tx: ClientBase, n: NewNotification): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO notifications (notification_id, order_id, template, recipient, subject, body, triggered_by_event_id,
                                triggered_by_type, status, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'SENT', now())
     ON CONFLICT DO NOTHING`,
    [n.notificationId, n.orderId, n.template, n.recipient, n.subject, n.body, n.triggeredByEventId, n.triggeredByType],
  );
  return r.rowCount === 1;
}

export async function markSent(tx: ClientBase, notificationId: string, sentAt: number): Promise<void> {
  await tx.query(`UPDATE notifications SET sent_at = to_timestamp($2 / 1000.0) WHERE notification_id = $1`, [
    notificationId,
    sentAt,
  ]);
}

/** Every notification sent about an order, oldest first. */
export async function notificationsOfOrder(pool: Pool, orderId: string) {
  const r = await pool.query(
    `SELECT notification_id, template, recipient, subject, triggered_by_type, sent_at
     FROM notifications WHERE order_id = $1 ORDER BY sent_at, notification_id`,
    [orderId],
  );
  return r.rows.map((row) => ({
    notificationId: row.notification_id as string,
    template: row.template as string,
    recipient: row.recipient as string,
    subject: row.subject as string,
    triggeredBy: row.triggered_by_type as string,
    sentAt: (row.sent_at as Date).toISOString(),
  }));
}
