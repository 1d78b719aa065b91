import { isEmailAddress, MAX_EMAIL_LENGTH, type EventType } from '@orderflow/contracts';
import type { Emit } from '@orderflow/outbox';
import type { EventHandler } from '@orderflow/service-kit';
import { recordNotification } from './db/notifications';
import { CHANNEL, notificationIdFor } from './domain/notification';
import type { Email } from './domain/templates';

type Context = Parameters<EventHandler<EventType>>[1];

/** Who to tell what, and which event made us tell them. */
export interface Notice {
  orderId: string;
  recipient: string;
  email: Email;
  triggeredBy: EventType;
}

/** The step every handler ends with: decide what to send (the delivery worker sends it after the commit). */
export type Notify = (ctx: Context, notice: Notice) => Promise<Emit[]>;

/**
 * Decides, inside the EventProcessor's transaction, that the customer is told: the inbox has already claimed the
 * event id, and the notification record takes the UNIQUE trigger key. Nothing leaves the database here: a rollback
 * or a replay of the batch can never send anything. The delivery worker (delivery.ts) sends the mail after the
 * commit and announces notification.sent then.
 *
 * An address that cannot receive mail is a business outcome, not a poison message: the notification is recorded as
 * failed at once and notification.failed is announced with the decision.
 */
export function notifier(): Notify {
  return async ({ tx, metadata, log }, { orderId, recipient, email, triggeredBy }) => {
    const notificationId = notificationIdFor(metadata.eventId);
    const deliverable = isEmailAddress(recipient);
    const reason = deliverable ? undefined : `'${recipient.slice(0, 64)}' is not an address that can receive mail`;
    const fresh = await recordNotification(
      tx,
      {
        notificationId,
        orderId,
        recipient: recipient.slice(0, MAX_EMAIL_LENGTH),
        ...email,
        triggeredByEventId: metadata.eventId,
        triggeredByType: triggeredBy,
        correlationId: metadata.correlationId,
      },
      reason ? { code: 'INVALID_ADDRESS', reason } : undefined,
    );
    if (!fresh) {
      log.warn({ notificationId }, 'this event was already notified; not deciding again');
      return [];
    }
    if (!reason) return [];
    log.info({ notificationId, template: email.template }, 'notification failed: undeliverable address');
    return [
      {
        type: 'notification.failed',
        event: {
          orderId,
          notificationId,
          channel: CHANNEL,
          recipient: recipient.slice(0, MAX_EMAIL_LENGTH),
          template: email.template,
          triggeredBy,
          reasonCode: 'INVALID_ADDRESS',
          reason,
          attempts: 0,
          failedAt: Date.now(),
        },
      },
    ];
  };
}
