import type { EventHandler } from '@orderflow/service-kit';
import { shipLevels } from '../domain/reservation';
import { lockReservation, setReservationStatus } from '../db/reservations';
import { applyLevels, lockStock } from '../db/stock';

/** When an order is fulfilled, its reserved units have left the warehouse: the reservation becomes SHIPPED. */
export const onOrderFulfilled: EventHandler<'order.fulfilled'> = async ({ orderId }, { tx, log }) => {
  const reservation = await lockReservation(tx, orderId);
  if (reservation?.status !== 'RESERVED') {
    log.warn({ status: reservation?.status ?? 'NONE' }, 'fulfilled order has no held reservation; stock unchanged');
    return [];
  }
  const stock = await lockStock(
    tx,
    reservation.lines.map((l) => l.sku),
  );
  await applyLevels(tx, stock, shipLevels(reservation.lines, stock));
  await setReservationStatus(tx, orderId, 'SHIPPED');
  log.info({ reservationId: reservation.reservationId }, 'reservation shipped');
  return [];
};
