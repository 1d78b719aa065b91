import { PAYMENT_DEADLINE_REASON } from '@orderflow/contracts';
import type { EventHandler } from '@orderflow/service-kit';
import type { PaymentProvider } from '../domain/provider';
import { lockPayment, voidOrder } from '../db/payments';
import { refundOrder } from './fulfillment-failed';

/**
 * When inventory released a reservation because no payment outcome came before the payment deadline: a charge that
 * happened anyway (a late payment) is refunded; an order not charged yet is voided, so that the inventory.reserved
 * still on its way is never charged (it ends as payment.failed RESERVATION_EXPIRED). Releases for other reasons
 * (payment.failed, fulfillment.failed) are payment's own doing or handled elsewhere: nothing to do.
 */
export const onInventoryReleased =
  (provider: PaymentProvider): EventHandler<'inventory.released'> =>
  async ({ orderId, reason }, ctx) => {
    if (reason !== PAYMENT_DEADLINE_REASON) return [];
    const payment = await lockPayment(ctx.tx, orderId);
    if (payment) return refundOrder(provider, orderId, null, 'inventory.released', ctx);
    if (await voidOrder(ctx.tx, orderId, reason, ctx.metadata.eventId)) {
      ctx.log.warn('reservation expired before the order was charged; it will not be charged');
    }
    return [];
  };
