import type { EventType } from '@orderflow/contracts';
import type { Emit } from '@orderflow/outbox';
import { metricCounter, type EventHandler } from '@orderflow/service-kit';
import { claimNotification, markSent } from './db/notifications';
import { CHANNEL, messageIdFor, notificationIdFor } from './domain/notification';
import type { Email } from './domain/templates';
import type { Mailer } from './mailer';

/** Emails the SMTP server accepted or refused (a refusal is retried: one email may count as failed, then delivered). */
const mailMetrics = () => ({
  delivered: metricCounter('orderflow_notifications_delivered_total', 'Emails accepted by the SMTP server.', [
    'template',
  ]),
  failed: metricCounter('orderflow_notifications_failed_total', 'Attempts the SMTP server refused or that failed.', [
    'template',
  ]),
});

type Context = Parameters<EventHandler<EventType>>[1];

/** Who to tell what, and which event made us tell them. */
export interface Notice {
  orderId: string;
  recipient: string;
  email: Email;
  triggeredBy: EventType;
}

/** The step every handler ends with: record, send, announce. */
export type Notify = (ctx: Context, notice: Notice) => Promise<Emit[]>;

/**
 * Sends one email per triggering event, inside the EventProcessor's transaction: the inbox has already claimed the
 * event id, the record takes the UNIQUE trigger key, then the message goes out and notification.sent is appended to
 * the outbox. A failed send throws and rolls all of it back, so the redelivery tries again from scratch.
 *
 * Crash window: if the process dies after the SMTP server accepted the message but before COMMIT, the event is
 * redelivered and the email is sent a second time. That one is not prevented (SMTP has no two-phase commit); it is
 * made recognisable: the notification id, and so the Message-ID, derive from the triggering event id, so the resend
 * carries the same Message-ID as the first and receiving systems can drop it as a duplicate.
 */
export function notifier(mailer: Mailer, mailFrom: string): Notify {
  return async ({ tx, metadata, log }, { orderId, recipient, email, triggeredBy }) => {
    const notificationId = notificationIdFor(metadata.eventId);
    const fresh = await claimNotification(tx, {
      notificationId,
      orderId,
      recipient,
      ...email,
      triggeredByEventId: metadata.eventId,
      triggeredByType: triggeredBy,
    });
    if (!fresh) {
      log.warn({ notificationId }, 'this event was already notified; not sending again');
      return [];
    }
    try {
      await mailer.send({
        to: recipient,
        subject: email.subject,
        text: email.body,
        messageId: messageIdFor(notificationId, mailFrom),
      });
    } catch (err) {
      mailMetrics().failed.inc({ template: email.template });
      throw err;
    }
    mailMetrics().delivered.inc({ template: email.template });
    const sentAt = Date.now();
    await markSent(tx, notificationId, sentAt);
    log.info({ notificationId, template: email.template }, 'notification sent');
    return [
      {
        type: 'notification.sent',
        event: { orderId, notificationId, channel: CHANNEL, recipient, template: email.template, triggeredBy, sentAt },
      },
    ];
  };
}
