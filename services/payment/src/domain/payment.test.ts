import { PermanentError } from '@orderflow/errors';
import { aLine, anOrder } from '@orderflow/testing';
import { chargeFor, chargeSteps, needsRefund, paymentOf, refundKeyOf, type Payment } from './payment';

const details = (overrides: Parameters<typeof anOrder>[0] = {}) => {
  const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = anOrder(overrides);
  return { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken };
};

describe('chargeFor', () => {
  it('charges the order total in its currency with a key in the charge namespace', () => {
    const order = details({
      lines: [aLine({ quantity: 3, unitPriceMinor: 1999 })],
      currency: 'GBP',
      paymentMethodToken: 'tok_ok_1',
    });
    expect(chargeFor('ord-9', order)).toEqual({
      idempotencyKey: 'charge:ord-9',
      amountMinor: 5997,
      currency: 'GBP',
      token: 'tok_ok_1',
    });
  });

  it('keeps amounts beyond 2^31 exact', () => {
    expect(chargeFor('o', details({ totalMinor: 9_007_199_254_740_991 })).amountMinor).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([0, -1, 10.5, 2 ** 53])('refuses the total %p as a permanent contract breach', (totalMinor) => {
    const err = (() => {
      try {
        return chargeFor('o', details({ totalMinor }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'INVALID_AMOUNT' });
  });

  it.each(['eur', 'EURO', ''])('refuses the currency %p', (currency) => {
    expect(() => chargeFor('o', details({ currency }))).toThrow(/ISO 4217/);
  });
});

describe('paymentOf', () => {
  const req = { idempotencyKey: 'o', amountMinor: 1200, currency: 'EUR', token: 't' };

  it('records an approval as CHARGED with the provider reference', () => {
    expect(paymentOf('o', 'p', req, { status: 'approved', reference: 'ref' })).toEqual({
      orderId: 'o',
      paymentId: 'p',
      status: 'CHARGED',
      amountMinor: 1200,
      currency: 'EUR',
      providerReference: 'ref',
      failureCode: null,
      failureMessage: null,
    });
  });

  it('records a decline as FAILED with its code and message', () => {
    expect(paymentOf('o', 'p', req, { status: 'declined', code: 'INSUFFICIENT_FUNDS', message: 'm' })).toMatchObject({
      status: 'FAILED',
      providerReference: null,
      failureCode: 'INSUFFICIENT_FUNDS',
      failureMessage: 'm',
    });
  });
});

describe('needsRefund', () => {
  const p = (status: Payment['status'], providerReference: string | null = 'ref'): Payment => ({
    orderId: 'o',
    paymentId: 'p',
    status,
    amountMinor: 1,
    currency: 'EUR',
    providerReference,
    failureCode: null,
    failureMessage: null,
  });

  it('refunds a CHARGED payment only', () => {
    expect([
      needsRefund(p('CHARGED')),
      needsRefund(p('FAILED', null)),
      needsRefund(p('REFUNDED')),
      needsRefund(undefined),
    ]).toEqual([true, false, false, false]);
  });

  it('keys one refund per order', () => {
    expect(refundKeyOf('ord-1')).toBe('refund:ord-1');
  });
});

describe('chargeSteps', () => {
  it('charges new orders, declines voided ones and never charges an order that has a payment', () => {
    expect(chargeSteps(['a', 'b', 'c'], new Set(['b']), new Set(['c']))).toEqual(['charge', 'already-paid', 'expired']);
  });

  it('decides an order once in a run, whatever its later events say', () => {
    expect(chargeSteps(['a', 'v', 'a', 'v', 'p', 'p'], new Set(['p']), new Set(['v']))).toEqual([
      'charge',
      'expired',
      'already-paid',
      'already-paid',
      'already-paid',
      'already-paid',
    ]);
  });
});
