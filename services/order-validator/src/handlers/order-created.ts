import type { EventHandler } from '@orderflow/service-kit';
import { validateOrder, type ValidationPolicy } from '../domain/validation';
import { recordDecision } from '../db/orders';

/**
 * When an order is created upstream, check it against the rules, record the decision once per order id, and
 * announce it: order.validated (carrying the order forward) or order.rejected (with every reason).
 */
export const onOrderCreated =
  (policy: ValidationPolicy): EventHandler<'order.created'> =>
  async (order, { tx, metadata, log }) => {
    const reasons = validateOrder(order, policy);
    const status = reasons.length === 0 ? 'VALIDATED' : 'REJECTED';
    const isNew = await recordDecision(tx, {
      orderId: order.orderId,
      status,
      customerEmail: order.customer.email,
      currency: order.currency,
      totalMinor: order.totalMinor,
      reasons,
      eventId: metadata.eventId,
      correlationId: metadata.correlationId,
      createdAt: order.createdAt,
    });
    if (!isNew) {
      log.warn('order id submitted again; not a new order, ignored');
      return [];
    }
    const now = Date.now();
    if (status === 'REJECTED') {
      log.info({ reasons: reasons.map((r) => r.code) }, 'order rejected');
      return [
        {
          type: 'order.rejected',
          event: { orderId: order.orderId, customer: order.customer, reasons, rejectedAt: now },
        },
      ];
    }
    const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = order;
    return [
      {
        type: 'order.validated',
        event: {
          orderId: order.orderId,
          order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
          validatedAt: now,
        },
      },
    ];
  };
