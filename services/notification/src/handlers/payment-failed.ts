import { paymentFailedEmail } from '../domain/templates';
import type { NoticeOf } from '../notify';

/** When the payment fails, email the customer that the order is cancelled and why. */
export const onPaymentFailed: NoticeOf<'payment.failed'> = (event) => ({
  orderId: event.orderId,
  recipient: event.customer.email,
  email: paymentFailedEmail(event),
  triggeredBy: 'payment.failed',
});
