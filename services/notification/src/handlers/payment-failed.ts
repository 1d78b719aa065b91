import type { EventHandler } from '@orderflow/service-kit';
import { paymentFailedEmail } from '../domain/templates';
import type { Notify } from '../notify';

/** When the payment fails, email the customer that the order is cancelled and why. */
export const onPaymentFailed =
  (notify: Notify): EventHandler<'payment.failed'> =>
  async (event, ctx) =>
    notify(ctx, {
      orderId: event.orderId,
      recipient: event.customer.email,
      email: paymentFailedEmail(event),
      triggeredBy: 'payment.failed',
    });
