import type { Observe } from './record';

/** When the customer is charged, the amount counts as revenue in its currency. */
export const onPaymentProcessed: Observe<'payment.processed'> = (e) => ({
  stamp: 'paid',
  currency: e.currency,
  totalMinor: e.order.totalMinor,
  summary: { paymentId: e.paymentId, amountMinor: e.amountMinor, currency: e.currency },
});

/** When the charge fails, the order ends there; the provider's code is the reason. */
export const onPaymentFailed: Observe<'payment.failed'> = (e) => ({
  stamp: 'paymentFailed',
  failureReason: e.reasonCode,
  summary: { reasonCodes: [e.reasonCode], amountMinor: e.amountMinor, currency: e.currency },
});

/** When a charge is refunded (compensation), the amount comes off the revenue. */
export const onPaymentRefunded: Observe<'payment.refunded'> = (e) => ({
  stamp: 'refunded',
  summary: { paymentId: e.paymentId, amountMinor: e.amountMinor, currency: e.currency, reason: e.reason },
});
