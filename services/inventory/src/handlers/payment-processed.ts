import type { Emit } from '@orderflow/outbox';
import { markPaid, statusesOf } from '../db/reservations';
import type { Step } from './batch';

/**
 * When the order is paid, its reservation is no longer waiting for a payment outcome (the payment deadline stops):
 * RESERVED becomes PAID. A payment for a reservation that already expired is late: payment refunds it (it sees
 * the release) and fulfillment does not ship it, so stock stays as it is. No stock is touched, so none is locked;
 * a batch is one statement (two when some payment was not for a RESERVED reservation, to say which).
 */
export const onPaymentProcessed: Step<'payment.processed'> = {
  handle: async (items, { tx, logOf }) => {
    const orderIds = items.map((i) => i.event.orderId);
    const paid = await markPaid(tx, orderIds);
    const others = orderIds.filter((id) => !paid.has(id));
    if (others.length > 0) {
      const statuses = await statusesOf(tx, others);
      for (const item of items) {
        if (statuses.get(item.event.orderId) === 'EXPIRED') {
          logOf(item).warn('late payment for an expired reservation; payment refunds it');
        }
      }
    }
    return items.map((): Emit[] => []);
  },
};
