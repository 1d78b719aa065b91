import type { EventHandler } from '@orderflow/service-kit';
import { paymentRefundedEmail } from '../domain/templates';
import type { Notify } from '../notify';

/** When a payment is refunded, email the customer the amount coming back. */
export const onPaymentRefunded =
  (notify: Notify): EventHandler<'payment.refunded'> =>
  async (event, ctx) =>
    notify(ctx, {
      orderId: event.orderId,
      recipient: event.customer.email,
      email: paymentRefundedEmail(event),
      triggeredBy: 'payment.refunded',
    });
