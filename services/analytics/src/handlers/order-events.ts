import type { EventHandler } from '@orderflow/service-kit';
import { record } from './record';

/** When an order is created upstream, its journey starts: remember its currency and total. */
export const onOrderCreated: EventHandler<'order.created'> = (e, ctx) =>
  record('order.created', e, ctx, {
    stamp: 'created',
    currency: e.currency,
    totalMinor: e.totalMinor,
    summary: { currency: e.currency, totalMinor: e.totalMinor, lines: e.lines.length },
  });

/** When an order is validated, it moves on to reservation. */
export const onOrderValidated: EventHandler<'order.validated'> = (e, ctx) =>
  record('order.validated', e, ctx, {
    stamp: 'validated',
    currency: e.order.currency,
    totalMinor: e.order.totalMinor,
    summary: { currency: e.order.currency, totalMinor: e.order.totalMinor },
  });

/** When an order is rejected, its journey ends with every broken rule as a reason. */
export const onOrderRejected: EventHandler<'order.rejected'> = (e, ctx) => {
  const reasonCodes = e.reasons.map((r) => r.code);
  return record('order.rejected', e, ctx, {
    stamp: 'rejected',
    failureReason: reasonCodes.join(','),
    summary: { reasonCodes },
  });
};
