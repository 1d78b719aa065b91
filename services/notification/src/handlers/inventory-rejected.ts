import { outOfStockEmail } from '../domain/templates';
import type { NoticeOf } from '../notify';

/** When stock cannot be reserved, email the customer which items are short. */
export const onInventoryRejected: NoticeOf<'inventory.rejected'> = (event) => ({
  orderId: event.orderId,
  recipient: event.customer.email,
  email: outOfStockEmail(event),
  triggeredBy: 'inventory.rejected',
});
