import { PAYMENT_DEADLINE_REASON } from '@orderflow/contracts';
import type { EventHandler } from '@orderflow/service-kit';
import { cancelOrder } from '../db/shipments';

/**
 * When inventory released a reservation because its payment deadline passed, the order's units are back on sale:
 * remember not to ship it, whatever payment.processed still arrives for it (that one ends in fulfillment.failed
 * RESERVATION_EXPIRED, which payment refunds).
 */
export const onInventoryReleased: EventHandler<'inventory.released'> = async (
  { orderId, reason },
  { tx, metadata, log },
) => {
  if (reason !== PAYMENT_DEADLINE_REASON) return [];
  if (await cancelOrder(tx, orderId, reason, metadata.eventId))
    log.warn('reservation expired; the order will not ship');
  return [];
};
