import type { Observe } from './record';

/** When the order ships, its journey succeeded: keep the carrier and tracking number. */
export const onOrderFulfilled: Observe<'order.fulfilled'> = (e) => ({
  stamp: 'fulfilled',
  summary: { shipmentId: e.shipmentId, carrier: e.carrier, trackingNumber: e.trackingNumber },
});

/** When the order cannot ship, it fails at fulfillment (a refund and a release follow). */
export const onFulfillmentFailed: Observe<'fulfillment.failed'> = (e) => ({
  stamp: 'fulfillmentFailed',
  failureReason: e.reasonCode,
  summary: { reasonCodes: [e.reasonCode] },
});
