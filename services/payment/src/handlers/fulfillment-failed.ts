import type { EventHandler } from '@orderflow/service-kit';
import { needsRefund, refundKeyOf } from '../domain/payment';
import type { PaymentProvider } from '../domain/provider';
import { lockPayment, markRefunded } from '../db/payments';

/**
 * When fulfillment cannot ship an order, give the customer's money back: refund the charge once (one idempotency key
 * per order's refund), mark the payment REFUNDED and announce payment.refunded. An order that was never charged, or
 * is refunded already, needs nothing.
 */
export const onFulfillmentFailed =
  (provider: PaymentProvider): EventHandler<'fulfillment.failed'> =>
  async ({ orderId, customer }, { tx, log }) => {
    const payment = await lockPayment(tx, orderId);
    if (!needsRefund(payment)) {
      log.info({ status: payment?.status ?? 'none' }, 'nothing charged to refund');
      return [];
    }
    const { paymentId, amountMinor, currency, providerReference } = payment;
    const refund = await provider.refund({
      idempotencyKey: refundKeyOf(orderId),
      chargeReference: providerReference,
      amountMinor,
      currency,
    });
    const now = Date.now();
    await markRefunded(tx, orderId, refund.reference, now);
    log.info({ paymentId, amountMinor, currency }, 'payment refunded');
    return [
      {
        type: 'payment.refunded',
        event: { orderId, customer, paymentId, amountMinor, currency, reason: 'fulfillment.failed', refundedAt: now },
      },
    ];
  };
