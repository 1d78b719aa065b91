import path from 'node:path';
import type { ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onFulfillmentFailed, onOrderFulfilled } from './handlers/fulfillment-events';
import { onInventoryRejected, onInventoryReleased, onInventoryReserved } from './handlers/inventory-events';
import { onNotificationSent } from './handlers/notification-sent';
import { onOrderCreated, onOrderRejected, onOrderValidated } from './handlers/order-events';
import { onPaymentFailed, onPaymentProcessed, onPaymentRefunded } from './handlers/payment-events';
import { routes } from './http';

export const SERVICE_NAME = 'analytics';

/** The service as data: what it consumes, how it answers HTTP. main.ts runs it; tests run it in-process. */
export function analytics(config: Config): ServiceDefinition<Config> {
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    // Every event type of the catalog: analytics builds its views from Kafka alone.
    handlers: {
      'order.created': onOrderCreated,
      'order.validated': onOrderValidated,
      'order.rejected': onOrderRejected,
      'inventory.reserved': onInventoryReserved,
      'inventory.rejected': onInventoryRejected,
      'inventory.released': onInventoryReleased,
      'payment.processed': onPaymentProcessed,
      'payment.failed': onPaymentFailed,
      'payment.refunded': onPaymentRefunded,
      'order.fulfilled': onOrderFulfilled,
      'fulfillment.failed': onFulfillmentFailed,
      'notification.sent': onNotificationSent,
    },
    routes,
  };
}
