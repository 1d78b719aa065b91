import path from 'node:path';
import type { ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { onOrderCreated, onOrderCreatedMany } from './handlers/order-created';
import { routes } from './http';

export const SERVICE_NAME = 'order-validator';

/** The service as data: what it consumes, how it answers HTTP. main.ts runs it; tests run it in-process. */
export function orderValidator(config: Config): ServiceDefinition<Config> {
  const policy = {
    supportedCurrencies: config.SUPPORTED_CURRENCIES,
    supportedCountries: config.SUPPORTED_COUNTRIES,
    maxLines: config.MAX_ORDER_LINES,
  };
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    handlers: {
      'order.created': onOrderCreated(policy),
    },
    batchHandlers: {
      'order.created': onOrderCreatedMany(policy),
    },
    routes,
  };
}
