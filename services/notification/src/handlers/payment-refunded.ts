import { paymentRefundedEmail } from '../domain/templates';
import type { NoticeOf } from '../notify';

/** When a payment is refunded, email the customer the amount coming back. */
export const onPaymentRefunded: NoticeOf<'payment.refunded'> = (event) => ({
  orderId: event.orderId,
  recipient: event.customer.email,
  email: paymentRefundedEmail(event),
  triggeredBy: 'payment.refunded',
});
