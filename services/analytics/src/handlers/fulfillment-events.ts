import type { EventHandler } from '@orderflow/service-kit';
import { record } from './record';

/** When the order ships, its journey succeeded: keep the carrier and tracking number. */
export const onOrderFulfilled: EventHandler<'order.fulfilled'> = (e, ctx) =>
  record('order.fulfilled', e, ctx, {
    stamp: 'fulfilled',
    summary: { shipmentId: e.shipmentId, carrier: e.carrier, trackingNumber: e.trackingNumber },
  });

/** When the order cannot ship, it fails at fulfillment (a refund and a release follow). */
export const onFulfillmentFailed: EventHandler<'fulfillment.failed'> = (e, ctx) =>
  record('fulfillment.failed', e, ctx, {
    stamp: 'fulfillmentFailed',
    failureReason: e.reasonCode,
    summary: { reasonCodes: [e.reasonCode] },
  });
