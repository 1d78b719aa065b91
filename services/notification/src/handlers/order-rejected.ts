import { orderRejectedEmail } from '../domain/templates';
import type { NoticeOf } from '../notify';

/** When an order is rejected, email the customer every reason it was refused. */
export const onOrderRejected: NoticeOf<'order.rejected'> = (event) => ({
  orderId: event.orderId,
  recipient: event.customer.email,
  email: orderRejectedEmail(event),
  triggeredBy: 'order.rejected',
});
