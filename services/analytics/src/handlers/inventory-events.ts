import type { Observe } from './record';

/** When stock is reserved for an order, it moves on to payment. */
export const onInventoryReserved: Observe<'inventory.reserved'> = (e) => ({
  stamp: 'reserved',
  currency: e.order.currency,
  totalMinor: e.order.totalMinor,
  summary: { reservationId: e.reservationId },
});

/** When stock cannot be reserved, the order ends out of stock; the shortage codes are the reasons. */
export const onInventoryRejected: Observe<'inventory.rejected'> = (e) => {
  const reasonCodes = [...new Set(e.shortages.map((s) => s.code))].sort();
  return {
    stamp: 'inventoryRejected',
    failureReason: reasonCodes.join(','),
    summary: { reasonCodes, skus: e.shortages.map((s) => s.sku) },
  };
};

/** When a reservation is released (compensation), the stock went back. */
export const onInventoryReleased: Observe<'inventory.released'> = (e) => ({
  stamp: 'released',
  summary: { reservationId: e.reservationId, reason: e.reason, units: e.lines.reduce((n, l) => n + l.quantity, 0) },
});
