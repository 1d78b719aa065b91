import type { Observe } from './record';

/** When an order is created upstream, its journey starts: remember its currency and total. */
export const onOrderCreated: Observe<'order.created'> = (e) => ({
  stamp: 'created',
  currency: e.currency,
  totalMinor: e.totalMinor,
  summary: { currency: e.currency, totalMinor: e.totalMinor, lines: e.lines.length },
});

/** When an order is validated, it moves on to reservation. */
export const onOrderValidated: Observe<'order.validated'> = (e) => ({
  stamp: 'validated',
  currency: e.order.currency,
  totalMinor: e.order.totalMinor,
  summary: { currency: e.order.currency, totalMinor: e.order.totalMinor },
});

/** When an order is rejected, its journey ends with every broken rule as a reason. */
export const onOrderRejected: Observe<'order.rejected'> = (e) => {
  const reasonCodes = e.reasons.map((r) => r.code);
  return {
    stamp: 'rejected',
    failureReason: reasonCodes.join(','),
    summary: { reasonCodes },
  };
};
