import type { EventHandler } from '@orderflow/service-kit';
import { orderRejectedEmail } from '../domain/templates';
import type { Notify } from '../notify';

/** When an order is rejected, email the customer every reason it was refused. */
export const onOrderRejected =
  (notify: Notify): EventHandler<'order.rejected'> =>
  async (event, ctx) =>
    notify(ctx, {
      orderId: event.orderId,
      recipient: event.customer.email,
      email: orderRejectedEmail(event),
      triggeredBy: 'order.rejected',
    });
