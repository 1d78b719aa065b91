import type { EventHandler } from '@orderflow/service-kit';
import { record } from './record';

/** When stock is reserved for an order, it moves on to payment. */
export const onInventoryReserved: EventHandler<'inventory.reserved'> = (e, ctx) =>
  record('inventory.reserved', e, ctx, {
    stamp: 'reserved',
    currency: e.order.currency,
    totalMinor: e.order.totalMinor,
    summary: { reservationId: e.reservationId },
  });

/** When stock cannot be reserved, the order ends out of stock; the shortage codes are the reasons. */
export const onInventoryRejected: EventHandler<'inventory.rejected'> = (e, ctx) => {
  const reasonCodes = [...new Set(e.shortages.map((s) => s.code))].sort();
  return record('inventory.rejected', e, ctx, {
    stamp: 'inventoryRejected',
    failureReason: reasonCodes.join(','),
    summary: { reasonCodes, skus: e.shortages.map((s) => s.sku) },
  });
};

/** When a reservation is released (compensation), the stock went back. */
export const onInventoryReleased: EventHandler<'inventory.released'> = (e, ctx) =>
  record('inventory.released', e, ctx, {
    stamp: 'released',
    summary: { reservationId: e.reservationId, reason: e.reason, units: e.lines.reduce((n, l) => n + l.quantity, 0) },
  });
