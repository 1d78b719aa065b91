import path from 'node:path';
import type { ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onInventoryReleased } from './handlers/inventory-released';
import { onPaymentProcessed } from './handlers/payment-processed';
import { routes } from './http';

export const SERVICE_NAME = 'fulfillment';

/** The service as data: what it consumes, how it answers HTTP. main.ts runs it; tests run it in-process. */
export function fulfillment(config: Config): ServiceDefinition<Config> {
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    handlers: {
      'payment.processed': onPaymentProcessed({
        undeliverablePostalCodes: config.UNDELIVERABLE_POSTAL_CODES,
        undeliverableCountries: config.UNDELIVERABLE_COUNTRIES,
      }),
      'inventory.released': onInventoryReleased,
    },
    routes,
  };
}
