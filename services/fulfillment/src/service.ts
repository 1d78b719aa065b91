import path from 'node:path';
import type { ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onInventoryReleased, onInventoryReleasedMany } from './handlers/inventory-released';
import { onPaymentProcessed, onPaymentProcessedMany } from './handlers/payment-processed';
import { routes } from './http';

export const SERVICE_NAME = 'fulfillment';

/** The service as data: what it consumes, how it answers HTTP. main.ts runs it; tests run it in-process. */
export function fulfillment(config: Config): ServiceDefinition<Config> {
  const policy = {
    undeliverablePostalCodes: config.UNDELIVERABLE_POSTAL_CODES,
    undeliverableCountries: config.UNDELIVERABLE_COUNTRIES,
  };
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    handlers: {
      'payment.processed': onPaymentProcessed(policy),
      'inventory.released': onInventoryReleased,
    },
    batchHandlers: {
      'payment.processed': onPaymentProcessedMany(policy),
      'inventory.released': onInventoryReleasedMany,
    },
    routes,
  };
}
