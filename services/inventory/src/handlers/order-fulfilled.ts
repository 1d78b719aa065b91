import type { Emit } from '@orderflow/outbox';
import { shipLevels, StockBook, takeAvailableLevels } from '../domain/reservation';
import { HELD, lockReservations, setReservationStatuses, type ReservationStatus } from '../db/reservations';
import { applyLevels, lockStockOfReservations } from '../db/stock';
import type { Step } from './batch';

/**
 * When an order is fulfilled, its reserved units have left the warehouse: the reservation becomes SHIPPED. If the
 * reservation had expired (the shipment raced the payment deadline), the units still left the building: they are
 * taken from available stock, and the conflict is logged for a person to look at. A batch locks its reservations
 * once and writes stock and statuses once.
 */
export const onOrderFulfilled: Step<'order.fulfilled'> = {
  lock: (tx, events) =>
    lockStockOfReservations(
      tx,
      events.map((e) => e.orderId),
    ),
  handle: async (items, { tx, stock, logOf }) => {
    const reservations = new Map(
      (
        await lockReservations(
          tx,
          items.map((i) => i.event.orderId),
        )
      ).map((r) => [r.orderId, r]),
    );
    const book = new StockBook(stock);
    const statuses = new Map<string, ReservationStatus>();
    for (const item of items) {
      const { orderId } = item.event;
      const reservation = reservations.get(orderId);
      const status = statuses.get(orderId) ?? reservation?.status;
      if (reservation && status === 'EXPIRED') {
        const { levels, taken } = takeAvailableLevels(reservation.lines, book.levelsOf(reservation.lines));
        book.carry(levels);
        statuses.set(orderId, 'SHIPPED');
        logOf(item).error({ reservationId: reservation.reservationId, taken }, 'shipped after its reservation expired');
      } else if (!reservation || !status || !HELD.includes(status)) {
        logOf(item).warn({ status: status ?? 'NONE' }, 'fulfilled order has no held reservation; stock unchanged');
      } else {
        book.carry(shipLevels(reservation.lines, book.levelsOf(reservation.lines)));
        statuses.set(orderId, 'SHIPPED');
        logOf(item).debug({ reservationId: reservation.reservationId }, 'reservation shipped');
      }
    }
    await applyLevels(tx, stock, book.changed());
    await setReservationStatuses(tx, statuses);
    return items.map((): Emit[] => []);
  },
};
