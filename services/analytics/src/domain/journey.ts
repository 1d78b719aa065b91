import type { EventType } from '@orderflow/contracts';

/** The moments of an order's journey that analytics records, one per stage event. */
export const STAMPS = [
  'created',
  'validated',
  'rejected',
  'reserved',
  'inventoryRejected',
  'paid',
  'paymentFailed',
  'fulfilled',
  'fulfillmentFailed',
  'released',
  'refunded',
] as const;
export type StampName = (typeof STAMPS)[number];

/** When each stage happened (UTC epoch ms); a stage not seen (yet) is absent. */
export type Stamps = Partial<Record<StampName, number>>;

/** Where an order stands: a terminal outcome, or still on its way. */
export type Stage =
  'FULFILLED' | 'REJECTED' | 'OUT_OF_STOCK' | 'PAYMENT_FAILED' | 'FULFILLMENT_FAILED' | 'REFUNDED' | 'IN_PROGRESS';

/** The steps of the journey, as named in durations and failure reasons. */
export type Step = 'validation' | 'reservation' | 'payment' | 'fulfillment';

/** The step an event type reports a failure of; its reason codes are counted under that step. */
export const FAILURE_STEP: Partial<Record<EventType, Step>> = {
  'order.rejected': 'validation',
  'inventory.rejected': 'reservation',
  'payment.failed': 'payment',
  'fulfillment.failed': 'fulfillment',
};

/**
 * The stage of an order from the set of stages seen, whatever the order they arrived in (events of one order travel
 * on different topics). A failure outranks progress; a refund means a failed fulfillment was compensated, so it
 * outranks the failure it compensates.
 */
export function deriveStage(s: Stamps): Stage {
  if (s.rejected !== undefined) return 'REJECTED';
  if (s.inventoryRejected !== undefined) return 'OUT_OF_STOCK';
  if (s.paymentFailed !== undefined) return 'PAYMENT_FAILED';
  if (s.refunded !== undefined) return 'REFUNDED';
  if (s.fulfillmentFailed !== undefined) return 'FULFILLMENT_FAILED';
  if (s.fulfilled !== undefined) return 'FULFILLED';
  return 'IN_PROGRESS';
}

/** The moment that decided a terminal stage; the end of the journey. */
const END_OF: Record<Stage, StampName | undefined> = {
  FULFILLED: 'fulfilled',
  REJECTED: 'rejected',
  OUT_OF_STOCK: 'inventoryRejected',
  PAYMENT_FAILED: 'paymentFailed',
  FULFILLMENT_FAILED: 'fulfillmentFailed',
  REFUNDED: 'refunded',
  IN_PROGRESS: undefined,
};

export interface StageDurations {
  validation: number | null;
  reservation: number | null;
  payment: number | null;
  fulfillment: number | null;
  endToEnd: number | null;
}

const between = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? null : to - from;

/**
 * How long each step took, in ms: from the stage that started it to its outcome (success or failure). null while a
 * step has not finished, or when its start was never seen. endToEnd runs from creation to the terminal outcome.
 */
export function stageDurations(s: Stamps): StageDurations {
  const end = END_OF[deriveStage(s)];
  return {
    validation: between(s.created, s.validated ?? s.rejected),
    reservation: between(s.validated, s.reserved ?? s.inventoryRejected),
    payment: between(s.reserved, s.paid ?? s.paymentFailed),
    fulfillment: between(s.paid, s.fulfilled ?? s.fulfillmentFailed),
    endToEnd: end === undefined ? null : between(s.created, s[end]),
  };
}
