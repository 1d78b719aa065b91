import path from 'node:path';
import type { EventType } from '@orderflow/contracts';
import type { BatchHandlers, Handlers, ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onInventoryRejected } from './handlers/inventory-rejected';
import { onOrderFulfilled } from './handlers/order-fulfilled';
import { onOrderRejected } from './handlers/order-rejected';
import { onPaymentFailed } from './handlers/payment-failed';
import { onPaymentRefunded } from './handlers/payment-refunded';
import { routes } from './http';
import { DeliveryWorker } from './delivery';
import { createMailer, type Mailer } from './mailer';
import { notifyMany, notifyOne, type NoticeOf } from './notify';

export const SERVICE_NAME = 'notification';

/** What each consumed event tells the customer. */
const NOTICES: { [T in EventType]?: NoticeOf<T> } = {
  'order.rejected': onOrderRejected,
  'inventory.rejected': onInventoryRejected,
  'payment.failed': onPaymentFailed,
  'order.fulfilled': onOrderFulfilled,
  'payment.refunded': onPaymentRefunded,
};

/**
 * One record at a time and whole batches go through the same set-based decision: a batch records all its
 * notifications with one statement, whatever its size.
 */
function consumers(): { handlers: Handlers; batchHandlers: BatchHandlers } {
  const handlers: Record<string, unknown> = {};
  const batchHandlers: Record<string, unknown> = {};
  for (const [type, noticeOf] of Object.entries(NOTICES) as [EventType, NoticeOf<EventType>][]) {
    handlers[type] = notifyOne(noticeOf);
    batchHandlers[type] = notifyMany(noticeOf);
  }
  return { handlers: handlers as Handlers, batchHandlers: batchHandlers as BatchHandlers };
}

/**
 * The service as data: what it consumes, how it answers HTTP, and the delivery worker that sends what the handlers
 * decided. main.ts runs it; tests run it in-process and pass their own mailer so they can close its connections.
 */
export function notification(config: Config, mailer: Mailer = createMailer(config)): ServiceDefinition<Config> {
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    ...consumers(),
    // The notifications are the inbox: a notification's id is derived from the event that triggered it and is its
    // primary key, taken in the handler's transaction (INSERT … ON CONFLICT DO NOTHING), and only a fresh decision
    // emits anything. An inbox row per event would repeat that key (a heap row, an index entry, a speculative-insert
    // confirmation).
    inbox: false,
    // Mail is off every order's critical path: fewer, larger fetches (see analytics), at most 200 ms later.
    consumerLingerMs: 200,
    routes,
    background: ({ pool, processor, log }) => [
      new DeliveryWorker({
        pool,
        processor,
        mailer,
        mailFrom: config.MAIL_FROM,
        log,
        concurrency: config.NOTIFY_CONCURRENCY,
        claimMs: config.NOTIFY_CLAIM_MS,
        pollMs: config.NOTIFY_POLL_MS,
        retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
        retryMaxMs: config.NOTIFY_RETRY_MAX_MS,
        maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
        markEveryMs: config.NOTIFY_MARK_EVERY_MS,
        markMax: config.NOTIFY_MARK_MAX,
      }),
    ],
  };
}
