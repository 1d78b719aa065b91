import type { EventHandler } from '@orderflow/service-kit';
import { record } from './record';

/** When the customer is charged, the amount counts as revenue in its currency. */
export const onPaymentProcessed: EventHandler<'payment.processed'> = (e, ctx) =>
  record('payment.processed', e, ctx, {
    stamp: 'paid',
    currency: e.currency,
    totalMinor: e.order.totalMinor,
    summary: { paymentId: e.paymentId, amountMinor: e.amountMinor, currency: e.currency },
  });

/** When the charge fails, the order ends there; the provider's code is the reason. */
export const onPaymentFailed: EventHandler<'payment.failed'> = (e, ctx) =>
  record('payment.failed', e, ctx, {
    stamp: 'paymentFailed',
    failureReason: e.reasonCode,
    summary: { reasonCodes: [e.reasonCode], amountMinor: e.amountMinor, currency: e.currency },
  });

/** When a charge is refunded (compensation), the amount comes off the revenue. */
export const onPaymentRefunded: EventHandler<'payment.refunded'> = (e, ctx) =>
  record('payment.refunded', e, ctx, {
    stamp: 'refunded',
    summary: { paymentId: e.paymentId, amountMinor: e.amountMinor, currency: e.currency, reason: e.reason },
  });
