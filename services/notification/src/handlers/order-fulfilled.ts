import type { EventHandler } from '@orderflow/service-kit';
import { orderShippedEmail } from '../domain/templates';
import type { Notify } from '../notify';

/** When the order ships, email the customer the carrier and tracking number. */
export const onOrderFulfilled =
  (notify: Notify): EventHandler<'order.fulfilled'> =>
  async (event, ctx) =>
    notify(ctx, {
      orderId: event.orderId,
      recipient: event.customer.email,
      email: orderShippedEmail(event),
      triggeredBy: 'order.fulfilled',
    });
