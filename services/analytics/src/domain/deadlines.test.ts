import { DEFAULT_STEP_DEADLINES, parseStepDeadlines, stuckAt, waitingStep } from './deadlines';

const t0 = 1_700_000_000_000;
const d = DEFAULT_STEP_DEADLINES;

describe('stuck orders', () => {
  it('names the step an order in progress waits on', () => {
    expect(waitingStep({ created: t0 })).toEqual({ step: 'validation', since: t0 });
    expect(waitingStep({ created: t0, validated: t0 + 1 })).toEqual({ step: 'reservation', since: t0 + 1 });
    expect(waitingStep({ created: t0, validated: t0 + 1, reserved: t0 + 2 })).toEqual({
      step: 'payment',
      since: t0 + 2,
    });
    expect(waitingStep({ created: t0, validated: 1, reserved: 2, paid: t0 + 3 })).toEqual({
      step: 'fulfillment',
      since: t0 + 3,
    });
  });

  it('is never stuck with a terminal outcome, or without its creation seen', () => {
    expect(waitingStep({ created: t0, validated: t0, rejected: t0 })).toBeUndefined();
    expect(waitingStep({ created: t0, paid: t0, fulfilled: t0 })).toBeUndefined();
    expect(waitingStep({ created: t0, paid: t0, fulfillmentFailed: t0, refunded: t0 })).toBeUndefined();
    expect(waitingStep({ validated: t0 })).toBeUndefined();
  });

  it('is stuck only past the deadline of the step it waits on', () => {
    const reserved = { created: t0, validated: t0, reserved: t0 };
    expect(stuckAt(reserved, t0 + d.payment, d)).toBeUndefined();
    expect(stuckAt(reserved, t0 + d.payment + 1, d)).toEqual({ step: 'payment', sinceMs: d.payment + 1 });
    expect(stuckAt({ created: t0 }, t0 + d.validation + 5, d)).toEqual({
      step: 'validation',
      sinceMs: d.validation + 5,
    });
  });

  it('reads deadlines per step, keeping the defaults of steps not named', () => {
    expect(parseStepDeadlines('payment=5000, fulfillment=7')).toEqual({ ...d, payment: 5000, fulfillment: 7 });
    expect(() => parseStepDeadlines('shipping=5')).toThrow(/step=milliseconds/);
    expect(() => parseStepDeadlines('payment=soon')).toThrow();
  });
});
