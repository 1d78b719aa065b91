import type { Emit, HandlerContext } from '@orderflow/outbox';
import type { Logger } from '@orderflow/service-kit';
import { releaseLevels } from '../domain/reservation';
import { HELD, lockReservation, setReservationStatus } from '../db/reservations';
import { applyLevels, lockStock } from '../db/stock';

export type ReleaseReason = 'payment.failed' | 'fulfillment.failed';

/**
 * Compensation shared by payment.failed and fulfillment.failed: a held reservation (RESERVED or PAID) gives its
 * units back to available stock and becomes RELEASED; without one (never reserved, already released, expired or
 * shipped) nothing happens.
 */
export async function releaseReservation(
  orderId: string,
  reason: ReleaseReason,
  { tx, log }: Pick<HandlerContext, 'tx'> & { log: Logger },
): Promise<Emit[]> {
  const reservation = await lockReservation(tx, orderId);
  if (!reservation || !HELD.includes(reservation.status)) {
    log.info({ status: reservation?.status ?? 'NONE' }, 'no held reservation to release');
    return [];
  }
  const stock = await lockStock(
    tx,
    reservation.lines.map((l) => l.sku),
  );
  await applyLevels(tx, stock, releaseLevels(reservation.lines, stock));
  await setReservationStatus(tx, orderId, 'RELEASED');
  log.info({ reservationId: reservation.reservationId, reason }, 'reservation released');
  const { reservationId, lines } = reservation;
  return [{ type: 'inventory.released', event: { orderId, reservationId, lines, reason, releasedAt: Date.now() } }];
}
