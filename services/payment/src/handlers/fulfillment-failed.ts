import type { PaymentRefunded } from '@orderflow/contracts';

type Customer = PaymentRefunded['customer'];
import type { Emit, HandlerContext } from '@orderflow/outbox';
import type { EventHandler, Logger } from '@orderflow/service-kit';
import { needsRefund, refundKeyOf } from '../domain/payment';
import type { PaymentProvider } from '../domain/provider';
import { lockPayment, markRefunded } from '../db/payments';

/**
 * Gives an order's money back once (one idempotency key per order's refund), marks the payment REFUNDED and
 * announces payment.refunded. An order that was never charged, or is refunded already, needs nothing.
 */
export async function refundOrder(
  provider: PaymentProvider,
  orderId: string,
  customer: Customer | null,
  reason: string,
  { tx, log }: Pick<HandlerContext, 'tx'> & { log: Logger },
): Promise<Emit[]> {
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
  log.info({ paymentId, amountMinor, currency, reason }, 'payment refunded');
  const who = customer ?? payment.customer ?? { customerId: 'unknown', name: 'customer', email: '' };
  return [
    {
      type: 'payment.refunded',
      event: { orderId, customer: who, paymentId, amountMinor, currency, reason, refundedAt: now },
    },
  ];
}

/**
 * When fulfillment cannot ship an order, give the customer's money back: refund the charge once (one idempotency key
 * per order's refund), mark the payment REFUNDED and announce payment.refunded. An order that was never charged, or
 * is refunded already, needs nothing.
 */
export const onFulfillmentFailed =
  (provider: PaymentProvider): EventHandler<'fulfillment.failed'> =>
  async ({ orderId, customer }, ctx) =>
    refundOrder(provider, orderId, customer, 'fulfillment.failed', ctx);
