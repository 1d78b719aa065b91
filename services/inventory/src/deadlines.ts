import { PAYMENT_DEADLINE_REASON } from '@orderflow/contracts';
import type { EventProcessor } from '@orderflow/outbox';
import { periodicTask, type BackgroundTask, type Logger } from '@orderflow/service-kit';
import { releaseLevels, skusOf, StockBook } from './domain/reservation';
import { findOverdue, lockOverdue, setReservationStatuses } from './db/reservations';
import { applyLevels, lockStock } from './db/stock';

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
  const limit = o.batch ?? 100;
  const sweep = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await o.processor.transaction(async (tx) => {
        // Reservations first (those a handler holds are skipped), then stock rows in SKU order: the lock order of
        // every inventory transaction, so no deadlock.
        const due = await findOverdue(tx, o.paymentDeadlineMs, limit);
        const overdue = await lockOverdue(tx, due, o.paymentDeadlineMs);
        const stock = await lockStock(tx, skusOf(overdue));
        const book = new StockBook(stock);
        for (const r of overdue) book.carry(releaseLevels(r.lines, book.levelsOf(r.lines)));
        await applyLevels(tx, stock, book.changed());
        await setReservationStatuses(tx, new Map(overdue.map((r) => [r.orderId, 'EXPIRED'])));
        for (const { orderId, reservationId, lines, causeEventId, correlationId } of overdue) {
          await o.processor.emit(
            tx,
            [
              {
                type: 'inventory.released',
                event: { orderId, reservationId, lines, reason: PAYMENT_DEADLINE_REASON, releasedAt: Date.now() },
              },
            ],
            // Caused by the order.validated that made the reservation (rows from before that was recorded: by itself).
            { eventId: causeEventId ?? reservationId, correlationId: correlationId ?? orderId },
          );
          o.log.warn({ orderId, reservationId }, 'payment deadline passed; reservation released');
        }
        return overdue.length;
      });
      total += n;
      if (n < limit) break;
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
