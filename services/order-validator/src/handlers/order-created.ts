import type { OrderCreated } from '@orderflow/contracts';
import type { BatchItem, Emit } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import { submissions } from '../domain/submissions';
import { validateOrder, type Rejection, type ValidationPolicy } from '../domain/validation';
import { recordDecisions } from '../db/orders';

/**
 * When orders are created upstream, check each against the rules, record the decision once per order id, and
 * announce it: order.validated (carrying the order forward) or order.rejected (with every reason). An order id
 * submitted again (before, or earlier in the batch) is not a new order. One insert per batch; a single event is a
 * batch of one.
 * @returns what each event emits, aligned with `items`
 */
export async function decideOrders(
  policy: ValidationPolicy,
  items: readonly Pick<BatchItem<OrderCreated>, 'event' | 'metadata'>[],
  { tx, log }: { tx: Parameters<typeof recordDecisions>[0]; log: Logger },
): Promise<Emit[][]> {
  const { first, repeats } = submissions(items.map(({ event }) => event.orderId));
  const reasons = items.map(({ event }, i) => (first[i] ? validateOrder(event, policy) : []));
  const isNew = await recordDecisions(
    tx,
    items.flatMap(({ event: order, metadata }, i) =>
      first[i]
        ? [
            {
              orderId: order.orderId,
              status: reasons[i]!.length === 0 ? ('VALIDATED' as const) : ('REJECTED' as const),
              customerEmail: order.customer.email,
              currency: order.currency,
              totalMinor: order.totalMinor,
              reasons: reasons[i]!,
              eventId: metadata.eventId,
              correlationId: metadata.correlationId,
              createdAt: order.createdAt,
              repeats: repeats.get(order.orderId)!,
            },
          ]
        : [],
    ),
  );
  if (items.length > 1) log.info({ orders: items.length, decided: isNew.size }, 'orders decided');
  const now = Date.now();
  return items.map(({ event, metadata }, i) => {
    if (!first[i] || !isNew.has(event.orderId)) {
      log.warn(
        { orderId: event.orderId, eventId: metadata.eventId },
        'order id submitted again; not a new order, ignored',
      );
      return [];
    }
    return [decision(event, reasons[i]!, now, log)];
  });
}

/** order.validated or order.rejected for a new order. */
function decision(order: OrderCreated, reasons: Rejection[], now: number, log: Logger): Emit {
  if (reasons.length > 0) {
    log.debug({ orderId: order.orderId, reasons: reasons.map((r) => r.code) }, 'order rejected');
    return {
      type: 'order.rejected',
      event: { orderId: order.orderId, customer: order.customer, reasons, rejectedAt: now },
    };
  }
  const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = order;
  return {
    type: 'order.validated',
    event: {
      orderId: order.orderId,
      order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
      validatedAt: now,
    },
  };
}

/** order.created, one event at a time (the fallback path, and single records). */
export const onOrderCreated =
  (policy: ValidationPolicy): EventHandler<'order.created'> =>
  async (event, { tx, metadata, log }) =>
    (await decideOrders(policy, [{ event, metadata }], { tx, log }))[0];

/** order.created, a consumed batch at once. */
export const onOrderCreatedMany =
  (policy: ValidationPolicy): BatchEventHandler<'order.created'> =>
  (items, ctx) =>
    decideOrders(policy, items, ctx);
