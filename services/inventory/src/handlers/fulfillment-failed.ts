import type { EventHandler } from '@orderflow/service-kit';
import { releaseReservation } from './release-reservation';

/** When fulfillment fails, release the order's reservation (compensation). */
export const onFulfillmentFailed: EventHandler<'fulfillment.failed'> = async ({ orderId }, ctx) =>
  releaseReservation(orderId, 'fulfillment.failed', ctx);
