import type { Emit } from '@orderflow/outbox';
import { releaseLevels, skusOf, StockBook } from '../domain/reservation';
import { HELD, lockReservations, setReservationStatuses, type ReservationStatus } from '../db/reservations';
import type { Step } from './batch';

export type ReleaseReason = 'payment.failed' | 'fulfillment.failed';

/**
 * Compensation shared by payment.failed and fulfillment.failed: a held reservation (RESERVED or PAID) gives its
 * units back to available stock and becomes RELEASED; without one (never reserved, already released, expired or
 * shipped) nothing happens. A batch locks its reservations once and writes statuses and stock once (see StockMode).
 */
export function releaseReservations<T extends ReleaseReason>(reason: T): Step<T> {
  return {
    handle: async (items, { tx, stock, logOf }) => {
      // Reservations first (order-id order), then stock (SKU order): the lock order of every inventory transaction.
      const reservations = new Map(
        (
          await lockReservations(
            tx,
            items.map((i) => i.event.orderId),
          )
        ).map((r) => [r.orderId, r]),
      );
      const book = new StockBook(await stock.read(skusOf([...reservations.values()])));
      const statuses = new Map<string, ReservationStatus>();
      const emitted = items.map((item): Emit[] => {
        const { orderId } = item.event;
        const reservation = reservations.get(orderId);
        const status = statuses.get(orderId) ?? reservation?.status;
        if (!reservation || !status || !HELD.includes(status)) {
          logOf(item).info({ status: status ?? 'NONE' }, 'no held reservation to release');
          return [];
        }
        const { reservationId, lines } = reservation;
        book.carry(releaseLevels(lines, book.levelsOf(lines)));
        statuses.set(orderId, 'RELEASED');
        logOf(item).debug({ reservationId, reason }, 'reservation released');
        return [
          { type: 'inventory.released', event: { orderId, reservationId, lines, reason, releasedAt: Date.now() } },
        ];
      });
      await setReservationStatuses(tx, statuses);
      await stock.write(book.changed());
      return emitted;
    },
  };
}
