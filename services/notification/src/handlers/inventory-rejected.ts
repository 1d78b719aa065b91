import type { EventHandler } from '@orderflow/service-kit';
import { outOfStockEmail } from '../domain/templates';
import type { Notify } from '../notify';

/** When stock cannot be reserved, email the customer which items are short. */
export const onInventoryRejected =
  (notify: Notify): EventHandler<'inventory.rejected'> =>
  async (event, ctx) =>
    notify(ctx, {
      orderId: event.orderId,
      recipient: event.customer.email,
      email: outOfStockEmail(event),
      triggeredBy: 'inventory.rejected',
    });
