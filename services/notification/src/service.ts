import path from 'node:path';
import type { ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onInventoryRejected } from './handlers/inventory-rejected';
import { onOrderFulfilled } from './handlers/order-fulfilled';
import { onOrderRejected } from './handlers/order-rejected';
import { onPaymentFailed } from './handlers/payment-failed';
import { onPaymentRefunded } from './handlers/payment-refunded';
import { routes } from './http';
import { createMailer, type Mailer } from './mailer';
import { notifier } from './notify';

export const SERVICE_NAME = 'notification';

/**
 * The service as data: what it consumes, how it answers HTTP. main.ts runs it; tests run it in-process and pass
 * their own mailer so they can close its pooled connections.
 */
export function notification(config: Config, mailer: Mailer = createMailer(config)): ServiceDefinition<Config> {
  const notify = notifier(mailer, config.MAIL_FROM);
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
  };
}
