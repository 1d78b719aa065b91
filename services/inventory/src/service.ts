import path from 'node:path';
import { createPool, type ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { awaitingPayment } from './db/reservations';
import { seedStock, totalReserved } from './db/stock';
import { paymentDeadlineSweeper } from './deadlines';
import { batchHandlerOf, handlerOf } from './handlers/batch';
import { onFulfillmentFailed } from './handlers/fulfillment-failed';
import { onOrderFulfilled } from './handlers/order-fulfilled';
import { onOrderValidated } from './handlers/order-validated';
import { onPaymentFailed } from './handlers/payment-failed';
import { onPaymentProcessed } from './handlers/payment-processed';
import { routes } from './http';

export const SERVICE_NAME = 'inventory';

/** The service as data: what it consumes, how it answers HTTP. main.ts runs it; tests run it in-process. */
export function inventory(config: Config): ServiceDefinition<Config> {
  return {
    name: SERVICE_NAME,
    config,
    migrationsDir: path.join(__dirname, '..', 'migrations'),
    // A batch is one transaction; each type's set-based step first locks every stock row the batch will touch, in
    // one pass in SKU order (as every single-record transaction does), so concurrent partitions wait for each other
    // but never deadlock; then it decides every event in offset order in memory and writes with a few statements.
    batchHandlers: {
      'order.validated': batchHandlerOf(onOrderValidated),
      'payment.failed': batchHandlerOf(onPaymentFailed),
      'fulfillment.failed': batchHandlerOf(onFulfillmentFailed),
      'order.fulfilled': batchHandlerOf(onOrderFulfilled),
      'payment.processed': batchHandlerOf(onPaymentProcessed),
    },
    // The fallback path and single records: the same steps over one event (see handlerOf).
    handlers: {
      'order.validated': handlerOf(onOrderValidated),
      'payment.failed': handlerOf(onPaymentFailed),
      'fulfillment.failed': handlerOf(onFulfillmentFailed),
      'order.fulfilled': handlerOf(onOrderFulfilled),
      'payment.processed': handlerOf(onPaymentProcessed),
    },
    routes,
    background: ({ processor, log }) => [
      paymentDeadlineSweeper({
        processor,
        log,
        paymentDeadlineMs: config.PAYMENT_DEADLINE_MS,
        sweepIntervalMs: config.DEADLINE_SWEEP_MS,
      }),
    ],
    metrics: async ({ pool }) => {
      const waiting = await awaitingPayment(pool);
      return [
        `orderflow_inventory_reserved_units{service="${SERVICE_NAME}"} ${await totalReserved(pool)}`,
        `orderflow_reservations_awaiting_payment ${waiting.count}`,
        `orderflow_reservations_oldest_awaiting_payment_age_ms ${waiting.oldestAgeMs}`,
      ].join('\n');
    },
  };
}

/**
 * Creates the SEED_STOCK SKUs not yet known; known SKUs keep their counts. Returns the SKUs created. Call it once
 * runService has migrated the schema; it uses a short-lived pool of its own (ServiceDefinition has no start hook).
 */
export async function seedConfiguredStock(
  config: Pick<Config, 'DATABASE_URL' | 'SEED_STOCK' | 'DB_SCHEMA'>,
): Promise<string[]> {
  if (Object.keys(config.SEED_STOCK).length === 0) return [];
  const pool = createPool(config.DATABASE_URL, 1, `${SERVICE_NAME}-seed`, config.DB_SCHEMA ?? 'inventory');
  try {
    return await seedStock(pool, config.SEED_STOCK);
  } finally {
    await pool.end();
  }
}
