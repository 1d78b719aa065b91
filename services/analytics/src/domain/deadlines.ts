import type { Stamps, Step } from './journey';

/** How long each step of the saga may take before an order waiting on it counts as stuck. */
export type StepDeadlines = Record<Step, number>;

export const DEFAULT_STEP_DEADLINES: StepDeadlines = {
  validation: 60_000,
  reservation: 60_000,
  // Longer than inventory's payment deadline (15 min): the saga first gets the chance to compensate by itself.
  payment: 960_000,
  fulfillment: 300_000,
};

/** Parses `validation=60000,payment=900000` (steps not named keep their default). */
export function parseStepDeadlines(s: string): StepDeadlines {
  const out = { ...DEFAULT_STEP_DEADLINES };
  for (const part of s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [step, ms] = part.split('=');
    if (!step || !(step in out) || !/^\d+$/.test(ms ?? '')) throw new Error(`'${part}' is not step=milliseconds`);
    out[step as Step] = Number(ms);
  }
  return out;
}

/** The step an order in progress waits on, and since when; undefined once it has a terminal outcome. */
export function waitingStep(s: Stamps): { step: Step; since: number } | undefined {
  if (
    s.created === undefined ||
    [s.rejected, s.inventoryRejected, s.paymentFailed, s.fulfilled, s.fulfillmentFailed, s.refunded].some(
      (t) => t !== undefined,
    )
  ) {
    return undefined;
  }
  if (s.validated === undefined) return { step: 'validation', since: s.created };
  if (s.reserved === undefined) return { step: 'reservation', since: s.validated };
  if (s.paid === undefined) return { step: 'payment', since: s.reserved };
  return { step: 'fulfillment', since: s.paid };
}

/** The step an order is stuck at (waiting on it past its deadline), if it is. */
export function stuckAt(s: Stamps, now: number, deadlines: StepDeadlines): { step: Step; sinceMs: number } | undefined {
  const w = waitingStep(s);
  if (!w || now - w.since <= deadlines[w.step]) return undefined;
  return { step: w.step, sinceMs: now - w.since };
}
