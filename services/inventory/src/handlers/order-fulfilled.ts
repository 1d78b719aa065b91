import type { EventHandler } from '@orderflow/service-kit';
import { shipLevels } from '../domain/reservation';
import { HELD, lockReservation, setReservationStatus } from '../db/reservations';
import { applyLevels, lockStock, takeAvailable } from '../db/stock';

/**
 * When an order is fulfilled, its reserved units have left the warehouse: the reservation becomes SHIPPED. If the
 * reservation had expired (the shipment raced the payment deadline), the units still left the building: they are
 * taken from available stock, and the conflict is logged for a person to look at.
 */
export const onOrderFulfilled: EventHandler<'order.fulfilled'> = async ({ orderId }, { tx, log }) => {
  const reservation = await lockReservation(tx, orderId);
  if (reservation?.status === 'EXPIRED') {
    const taken = await takeAvailable(tx, reservation.lines);
    await setReservationStatus(tx, orderId, 'SHIPPED');
    log.error({ reservationId: reservation.reservationId, taken }, 'shipped after its reservation expired');
    return [];
  }
  if (!reservation || !HELD.includes(reservation.status)) {
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
