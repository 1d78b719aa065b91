import path from 'node:path';
import type { ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onInventoryRejected } from './handlers/inventory-rejected';
import { onOrderFulfilled } from './handlers/order-fulfilled';
import { onOrderRejected } from './handlers/order-rejected';
import { onPaymentFailed } from './handlers/payment-failed';
import { onPaymentRefunded } from './handlers/payment-refunded';
import { routes } from './http';
import { DeliveryWorker } from './delivery';
import { createMailer, type Mailer } from './mailer';
import { notifier } from './notify';

export const SERVICE_NAME = 'notification';

/**
 * The service as data: what it consumes, how it answers HTTP, and the delivery worker that sends what the handlers
 * decided. main.ts runs it; tests run it in-process and pass their own mailer so they can close its connections.
 */
export function notification(config: Config, mailer: Mailer = createMailer(config)): ServiceDefinition<Config> {
  const notify = notifier();
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    handlers: {
      'order.rejected': onOrderRejected(notify),
      'inventory.rejected': onInventoryRejected(notify),
      'payment.failed': onPaymentFailed(notify),
      'order.fulfilled': onOrderFulfilled(notify),
      'payment.refunded': onPaymentRefunded(notify),
    },
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
      }),
    ],
  };
}
