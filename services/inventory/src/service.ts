import path from 'node:path';
import { createPool, type ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from './config';
import { awaitingPayment } from './db/reservations';
import { lockStock, lockStockOfReservations, seedStock, totalReserved } from './db/stock';
import { paymentDeadlineSweeper } from './deadlines';
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
    // A batch of orders is one transaction; it locks every stock row it will touch first, in SKU order (as every
    // single-order transaction does), so concurrent partitions wait for each other but never deadlock.
    prepareBatch: {
      'order.validated': (tx, events) =>
        lockStock(
          tx,
          events.flatMap((e) => e.order.lines.map((l) => l.sku)),
        ).then(() => undefined),
      'payment.failed': (tx, events) =>
        lockStockOfReservations(
          tx,
          events.map((e) => e.orderId),
        ),
      'fulfillment.failed': (tx, events) =>
        lockStockOfReservations(
          tx,
          events.map((e) => e.orderId),
        ),
      'order.fulfilled': (tx, events) =>
        lockStockOfReservations(
          tx,
          events.map((e) => e.orderId),
        ),
    },
    handlers: {
      'order.validated': onOrderValidated,
      'payment.failed': onPaymentFailed,
      'fulfillment.failed': onFulfillmentFailed,
      'order.fulfilled': onOrderFulfilled,
      'payment.processed': onPaymentProcessed,
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
