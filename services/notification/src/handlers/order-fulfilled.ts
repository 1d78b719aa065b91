import { orderShippedEmail } from '../domain/templates';
import type { NoticeOf } from '../notify';

/** When the order ships, email the customer the carrier and tracking number. */
export const onOrderFulfilled: NoticeOf<'order.fulfilled'> = (event) => ({
  orderId: event.orderId,
  recipient: event.customer.email,
  email: orderShippedEmail(event),
  triggeredBy: 'order.fulfilled',
});
