import { simulatedOutcome } from './rules';

describe('simulatedOutcome', () => {
  it.each(['tok_approve', 'tok_ok', 'tok_ok_visa', 'tok_ok-123'])('approves %p', (token) => {
    expect(simulatedOutcome(token, 1, 2)).toEqual({ kind: 'approve' });
  });

  it('declines tok_decline as DECLINED', () => {
    expect(simulatedOutcome('tok_decline', 1, 2)).toMatchObject({ kind: 'decline', code: 'DECLINED' });
  });

  it('declines tok_insufficient_funds as INSUFFICIENT_FUNDS', () => {
    expect(simulatedOutcome('tok_insufficient_funds', 1, 2)).toMatchObject({
      kind: 'decline',
      code: 'INSUFFICIENT_FUNDS',
    });
  });

  it.each(['', 'tok_unknown', 'TOK_APPROVE', 'tok_approve_not', 'ok_tok', 'tok_o'])(
    'declines the unknown token %p',
    (token) => {
      expect(simulatedOutcome(token, 1, 2)).toMatchObject({ kind: 'decline', code: 'DECLINED' });
    },
  );

  it('is unavailable for the first N attempts of tok_transient, then approves', () => {
    expect([1, 2, 3, 4].map((attempt) => simulatedOutcome('tok_transient', attempt, 2).kind)).toEqual([
      'unavailable',
      'unavailable',
      'approve',
      'approve',
    ]);
  });

  it('approves tok_transient at once when no failures are configured', () => {
    expect(simulatedOutcome('tok_transient', 1, 0)).toEqual({ kind: 'approve' });
  });
});
