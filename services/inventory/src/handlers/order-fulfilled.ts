import type { Emit } from '@orderflow/outbox';
import { shipLevels, skusOf, StockBook, takeAvailableLevels } from '../domain/reservation';
import { HELD, lockReservations, setReservationStatuses, type ReservationStatus } from '../db/reservations';
import type { Step } from './batch';

/**
 * When an order is fulfilled, its reserved units have left the warehouse: the reservation becomes SHIPPED. If the
 * reservation had expired (the shipment raced the payment deadline), the units still left the building: they are
 * taken from available stock, and the conflict is logged for a person to look at. A batch locks its reservations
 * once and writes statuses and stock once (see StockMode).
 */
export const onOrderFulfilled: Step<'order.fulfilled'> = {
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
    // Taking the units of an expired reservation from available stock depends on what is available: locked rows.
    if (stock.mode === 'late' && [...reservations.values()].some((r) => r.status === 'EXPIRED')) return null;
    const book = new StockBook(await stock.read(skusOf([...reservations.values()])));
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
    await setReservationStatuses(tx, statuses);
    await stock.write(book.changed());
    return items.map((): Emit[] => []);
  },
};
