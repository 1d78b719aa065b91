import path from 'node:path';
import type { ServiceDefinition, ServiceDeps } from '@orderflow/service-kit';
import type { Config } from './config';
import { countByStatus } from './db/payments';
import type { PaymentProvider } from './domain/provider';
import { onFulfillmentFailed } from './handlers/fulfillment-failed';
import { onInventoryReleased } from './handlers/inventory-released';
import { onInventoryReserved, onInventoryReservedMany } from './handlers/inventory-reserved';
import { routes } from './http';

export const SERVICE_NAME = 'payment';

/**
 * The service as data: what it consumes, how it answers HTTP. main.ts runs it with the configured provider; tests
 * run it in-process. The provider is passed in because it holds resources of its own that its creator closes.
 */
export function payment(config: Config, provider: PaymentProvider): ServiceDefinition<Config> {
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    handlers: {
      'inventory.reserved': onInventoryReserved(provider),
      'fulfillment.failed': onFulfillmentFailed(provider),
      'inventory.released': onInventoryReleased(provider),
    },
    batchHandlers: {
      'inventory.reserved': onInventoryReservedMany(provider),
    },
    routes,
    metrics,
  };
}

async function metrics({ pool }: ServiceDeps<Config>): Promise<string> {
  const counts = await countByStatus(pool);
  return Object.entries(counts)
    .map(([status, n]) => `orderflow_payments{service="${SERVICE_NAME}",status="${status}"} ${n}`)
    .join('\n');
}
