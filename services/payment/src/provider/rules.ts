import type { DeclineCode } from '../domain/provider';

/** What the simulated provider does with one charge attempt. */
export type SimulatedOutcome =
  { kind: 'approve' } | { kind: 'decline'; code: DeclineCode; message: string } | { kind: 'unavailable' };

/**
 * The simulation's rules, driven by the payment-method token as in a PSP's test mode: tok_approve and any tok_ok…
 * approve; tok_decline and unknown tokens decline; tok_insufficient_funds declines for funds; tok_transient is
 * unavailable for the first `transientFailures` attempts of a key (attempt counts from 1), then approves.
 */
export function simulatedOutcome(token: string, attempt: number, transientFailures: number): SimulatedOutcome {
  if (token === 'tok_approve' || token.startsWith('tok_ok')) return { kind: 'approve' };
  if (token === 'tok_insufficient_funds') {
    return { kind: 'decline', code: 'INSUFFICIENT_FUNDS', message: 'the card has insufficient funds' };
  }
  if (token === 'tok_transient') return attempt <= transientFailures ? { kind: 'unavailable' } : { kind: 'approve' };
  if (token === 'tok_decline') return { kind: 'decline', code: 'DECLINED', message: 'the card was declined' };
  return { kind: 'decline', code: 'DECLINED', message: 'the payment method is not recognised' };
}
