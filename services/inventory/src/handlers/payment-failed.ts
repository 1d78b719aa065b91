import type { EventHandler } from '@orderflow/service-kit';
import { releaseReservation } from './release-reservation';

/** When payment fails, release the order's reservation (compensation). */
export const onPaymentFailed: EventHandler<'payment.failed'> = async ({ orderId }, ctx) =>
  releaseReservation(orderId, 'payment.failed', ctx);
