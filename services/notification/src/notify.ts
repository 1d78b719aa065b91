import type { EventMap, EventMetadata, EventType } from '@orderflow/contracts';
import type { Emit } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import type { PoolClient } from 'pg';
import { recordNotifications, type NotificationRecord } from './db/notifications';
import { CHANNEL, decide, type Decision } from './domain/notification';
import type { Email } from './domain/templates';

/** Who to tell what, and which event made us tell them. */
export interface Notice {
  orderId: string;
  recipient: string;
  email: Email;
  triggeredBy: EventType;
}

/** What a consumed event tells the customer: a handler, as the business sentence. */
export type NoticeOf<T extends EventType> = (event: EventMap[T]) => Notice;

/** A notice and the event that triggered it. */
interface Triggered {
  notice: Notice;
  metadata: EventMetadata;
}

/**
 * Decides, inside the EventProcessor's transaction, that the customers are told, with one statement for all the
 * notices of a batch (one for a single record: both paths run this same code). Each notification record takes its
 * id, derived from the triggering event's id, as primary key: that is this service's inbox (it claims no inbox rows),
 * so a redelivered event finds its notification there and decides nothing again. Nothing leaves the database here: a
 * rollback or a replay of the batch can never send anything. The delivery worker (delivery.ts) sends the mail after
 * the commit and announces notification.sent then.
 *
 * An address that cannot receive mail is a business outcome, not a poison message: the notification is recorded as
 * failed at once and notification.failed is announced with the decision. Returns what each notice emits, aligned.
 */
async function notifyAll(tx: PoolClient, log: Logger, triggered: readonly Triggered[]): Promise<Emit[][]> {
  const decided = triggered.map(({ notice, metadata }) => ({
    notice,
    metadata,
    decision: decide(metadata.eventId, notice.recipient),
  }));
  const fresh = await recordNotifications(tx, decided.map(recordOf));
  let undeliverable = 0;
  const emitted = decided.map(({ notice, decision }): Emit[] => {
    const { notificationId, undeliverable: reason } = decision;
    if (!fresh.delete(notificationId)) {
      log.debug({ orderId: notice.orderId, notificationId }, 'this event was already notified; not deciding again');
      return [];
    }
    if (!reason) return [];
    undeliverable += 1;
    log.debug({ orderId: notice.orderId, notificationId, template: notice.email.template }, 'undeliverable address');
    return [
      {
        type: 'notification.failed',
        event: {
          orderId: notice.orderId,
          notificationId,
          channel: CHANNEL,
          recipient: decision.recipient,
          template: notice.email.template,
          triggeredBy: notice.triggeredBy,
          reasonCode: 'INVALID_ADDRESS',
          reason,
          attempts: 0,
          failedAt: Date.now(),
        },
      },
    ];
  });
  if (undeliverable > 0) log.info({ undeliverable }, 'notifications failed: undeliverable address');
  return emitted;
}

function recordOf({ notice, metadata, decision }: Triggered & { decision: Decision }) {
  const record: NotificationRecord = {
    notificationId: decision.notificationId,
    orderId: notice.orderId,
    recipient: decision.recipient,
    ...notice.email,
    triggeredByEventId: metadata.eventId,
    triggeredByType: notice.triggeredBy,
    correlationId: metadata.correlationId,
    ...(decision.undeliverable ? { failed: { code: 'INVALID_ADDRESS', reason: decision.undeliverable } } : {}),
  };
  return record;
}

/** The record-at-a-time handler of an event type (fallback path and single records). */
export const notifyOne =
  <T extends EventType>(noticeOf: NoticeOf<T>): EventHandler<T> =>
  async (event, { tx, log, metadata }) =>
    (await notifyAll(tx, log, [{ notice: noticeOf(event), metadata }]))[0];

/** The set-based handler of an event type: every new event of a consumed batch in one statement. */
export const notifyMany =
  <T extends EventType>(noticeOf: NoticeOf<T>): BatchEventHandler<T> =>
  (items, { tx, log }) =>
    notifyAll(
      tx,
      log,
      items.map(({ event, metadata }) => ({ notice: noticeOf(event), metadata })),
    );
