import { PAYMENT_DEADLINE_REASON } from '@orderflow/contracts';
import type { EventProcessor } from '@orderflow/outbox';
import { periodicTask, type BackgroundTask, type Logger } from '@orderflow/service-kit';
import { releaseLevels } from './domain/reservation';
import { findOverdue, lockOverdue, setReservationStatus } from './db/reservations';
import { applyLevels, lockStock, lockStockOfReservations } from './db/stock';

export interface DeadlineOptions {
  processor: EventProcessor;
  log: Logger;
  /** How long a reservation waits for a payment outcome. */
  paymentDeadlineMs: number;
  sweepIntervalMs: number;
  /** Reservations released per transaction. @default 100 */
  batch?: number;
}

/**
 * The payment step's deadline, owned by inventory (whose stock the reservation holds): a reservation with no payment
 * outcome (payment.processed or payment.failed) after `paymentDeadlineMs` is released — its units go back to
 * available stock, it becomes EXPIRED, and inventory.released (reason payment.deadline) says so. Payment refunds a
 * late charge for it and fulfillment refuses to ship it (they consume inventory.released).
 */
export function paymentDeadlineSweeper(o: DeadlineOptions): BackgroundTask {
  let expired = 0;
  const sweep = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await o.processor.transaction(async (tx) => {
        // Stock rows first, in SKU order, then the reservations: the lock order of every handler, so no deadlock.
        await lockStockOfReservations(tx, await findOverdue(tx, o.paymentDeadlineMs, o.batch ?? 100));
        const overdue = await lockOverdue(tx, o.paymentDeadlineMs, o.batch ?? 100);
        for (const r of overdue) {
          const stock = await lockStock(
            tx,
            r.lines.map((l) => l.sku),
          );
          await applyLevels(tx, stock, releaseLevels(r.lines, stock));
          await setReservationStatus(tx, r.orderId, 'EXPIRED');
          const { orderId, reservationId, lines } = r;
          await o.processor.emit(
            tx,
            [
              {
                type: 'inventory.released',
                event: { orderId, reservationId, lines, reason: PAYMENT_DEADLINE_REASON, releasedAt: Date.now() },
              },
            ],
            // Caused by the order.validated that made the reservation (rows from before that was recorded: by itself).
            { eventId: r.causeEventId ?? reservationId, correlationId: r.correlationId ?? orderId },
          );
          o.log.warn({ orderId, reservationId }, 'payment deadline passed; reservation released');
        }
        return overdue.length;
      });
      total += n;
      if (n < (o.batch ?? 100)) break;
    }
    expired += total;
    return total;
  };
  return periodicTask({
    name: 'payment-deadline',
    intervalMs: o.sweepIntervalMs,
    run: async () => ({ expiredNow: await sweep(), expiredTotal: expired }),
    log: o.log,
    metrics: async () => `orderflow_reservations_expired_total ${expired}`,
  });
}
