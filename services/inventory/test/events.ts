/** Builders of the events inventory consumes, as their producers would publish them. */
import { newMetadata, type EventMap, type EventType, type IoOrderflowCommon } from '@orderflow/contracts';
import { aCustomer, anOrder } from '@orderflow/testing';

type Line = IoOrderflowCommon.OrderLine;

const meta = (type: EventType, source: string, orderId: string) =>
  newMetadata(type, source, undefined, { correlationId: orderId });

/** order.validated of a fresh order with these lines. */
export function orderValidated(lines: Line[]): EventMap['order.validated'] {
  const { orderId, customer, currency, totalMinor, shippingAddress, paymentMethodToken } = anOrder({ lines });
  return {
    metadata: meta('order.validated', 'order-validator', orderId),
    orderId,
    order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
    validatedAt: Date.now(),
  };
}

/** The same order.validated as a new event (another event id): a resubmission, not a redelivery. */
export const resubmitted = (v: EventMap['order.validated']) => ({
  ...v,
  metadata: meta('order.validated', 'order-validator', v.orderId),
});

export const paymentFailed = (orderId: string): EventMap['payment.failed'] => ({
  metadata: meta('payment.failed', 'payment', orderId),
  orderId,
  customer: aCustomer(),
  amountMinor: 1999,
  currency: 'EUR',
  reasonCode: 'DECLINED',
  message: 'declined by the issuer',
  failedAt: Date.now(),
});

export const fulfillmentFailed = (orderId: string): EventMap['fulfillment.failed'] => ({
  metadata: meta('fulfillment.failed', 'fulfillment', orderId),
  orderId,
  customer: aCustomer(),
  reasonCode: 'CARRIER_UNAVAILABLE',
  message: 'no carrier',
  failedAt: Date.now(),
});

export const orderFulfilled = (orderId: string, lines: Line[]): EventMap['order.fulfilled'] => ({
  metadata: meta('order.fulfilled', 'fulfillment', orderId),
  orderId,
  customer: aCustomer(),
  shipmentId: `shp-${orderId}`,
  carrier: 'DHL',
  trackingNumber: '00340434161094042557',
  lines,
  fulfilledAt: Date.now(),
});

export const paymentProcessed = (v: EventMap['order.validated']): EventMap['payment.processed'] => ({
  metadata: meta('payment.processed', 'payment', v.orderId),
  orderId: v.orderId,
  order: v.order,
  paymentId: `pay-${v.orderId}`,
  amountMinor: v.order.totalMinor,
  currency: v.order.currency,
  providerReference: `sim_ch_${v.orderId}`,
  processedAt: Date.now(),
});
