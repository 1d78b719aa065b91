/** Events payment consumes, as their producers would publish them (for the component tests). */
import { randomUUID } from 'node:crypto';
import {
  newMetadata,
  PAYMENT_DEADLINE_REASON,
  type FulfillmentFailed,
  type InventoryReleased,
  type InventoryReserved,
} from '@orderflow/contracts';
import { anOrder, type OrderOverrides } from '@orderflow/testing';

/** inventory.reserved for a fresh order (as inventory would publish it). */
export function reserved(overrides: OrderOverrides = {}): InventoryReserved {
  const { orderId, customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = anOrder(overrides);
  return {
    metadata: newMetadata('inventory.reserved', 'inventory', undefined, { correlationId: orderId }),
    orderId,
    order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
    reservationId: `res-${randomUUID()}`,
    reservedAt: Date.now(),
  };
}

/** inventory.released after the reservation's payment deadline passed. */
export function expired(r: InventoryReserved): InventoryReleased {
  return {
    metadata: newMetadata('inventory.released', 'inventory', undefined, { correlationId: r.orderId }),
    orderId: r.orderId,
    reservationId: r.reservationId,
    lines: r.order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    reason: PAYMENT_DEADLINE_REASON,
    releasedAt: Date.now(),
  };
}

export function fulfillmentFailed(r: InventoryReserved): FulfillmentFailed {
  return {
    metadata: newMetadata('fulfillment.failed', 'fulfillment', undefined, { correlationId: r.orderId }),
    orderId: r.orderId,
    customer: r.order.customer,
    reasonCode: 'UNDELIVERABLE_DESTINATION',
    message: 'no carrier delivers there',
    failedAt: Date.now(),
  };
}

/** The same event of the same order again with a new event id (inventory published it twice). */
export const withNewId = <E extends { metadata: { eventId: string } }>(e: E): E => ({
  ...e,
  metadata: { ...e.metadata, eventId: randomUUID() },
});
