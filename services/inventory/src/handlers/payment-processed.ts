import type { EventHandler } from '@orderflow/service-kit';
import { lockReservation, setReservationStatus } from '../db/reservations';

/**
 * When the order is paid, its reservation is no longer waiting for a payment outcome (the payment deadline stops):
 * RESERVED becomes PAID. A payment for a reservation that already expired is late: payment refunds it (it sees
 * the release) and fulfillment does not ship it, so stock stays as it is.
 */
export const onPaymentProcessed: EventHandler<'payment.processed'> = async ({ orderId }, { tx, log }) => {
  const reservation = await lockReservation(tx, orderId);
  if (reservation?.status === 'RESERVED') {
    await setReservationStatus(tx, orderId, 'PAID');
    return [];
  }
  if (reservation?.status === 'EXPIRED') log.warn('late payment for an expired reservation; payment refunds it');
  return [];
};
