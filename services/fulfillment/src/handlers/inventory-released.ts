import { PAYMENT_DEADLINE_REASON, type InventoryReleased } from '@orderflow/contracts';
import type { BatchItem } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import { repeatsWithin } from '../domain/shipping';
import { cancelOrders } from '../db/shipments';

/**
 * When inventory released reservations because their payment deadline passed, the orders' units are back on sale:
 * remember not to ship them, whatever payment.processed still arrives for them (that one ends in fulfillment.failed
 * RESERVATION_EXPIRED, which payment refunds). Releases for other reasons need nothing. One insert per batch; a
 * single event is a batch of one. Emits nothing.
 */
export async function cancelExpired(
  items: readonly Pick<BatchItem<InventoryReleased>, 'event' | 'metadata'>[],
  { tx, log }: { tx: Parameters<typeof cancelOrders>[0]; log: Logger },
): Promise<void> {
  const expired = items.filter(({ event }) => event.reason === PAYMENT_DEADLINE_REASON);
  const repeats = repeatsWithin(expired.map(({ event }) => event.orderId));
  const orders = expired
    .filter((_, i) => !repeats[i])
    .map(({ event, metadata }) => ({ orderId: event.orderId, reason: event.reason, eventId: metadata.eventId }));
  for (const orderId of await cancelOrders(tx, orders)) {
    log.warn({ orderId }, 'reservation expired; the order will not ship');
  }
}

/** inventory.released, one event at a time (the fallback path, and single records). */
export const onInventoryReleased: EventHandler<'inventory.released'> = async (event, { tx, metadata, log }) => {
  await cancelExpired([{ event, metadata }], { tx, log });
  return [];
};

/** inventory.released, a consumed batch at once. */
export const onInventoryReleasedMany: BatchEventHandler<'inventory.released'> = async (items, ctx) => {
  await cancelExpired(items, ctx);
};
