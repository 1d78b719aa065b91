import { anOrder, aLine, aCustomer, anAddress } from '@orderflow/testing';
import { validateOrder } from './validation';

const policy = { supportedCurrencies: ['EUR', 'USD', 'GBP'], supportedCountries: ['DE', 'GB', 'US'] };
const codes = (o: Parameters<typeof validateOrder>[0]) => validateOrder(o, policy).map((r) => r.code);

describe('validateOrder', () => {
  it('accepts a well-formed order', () => {
    expect(
      validateOrder(anOrder({ lines: [aLine({ quantity: 2 }), aLine({ sku: 'B', quantity: 1000 })] }), policy),
    ).toEqual([]);
  });

  it('rejects an order without lines', () => {
    expect(codes(anOrder({ lines: [], totalMinor: 0 }))).toEqual(['EMPTY_LINES']);
  });

  it.each([0, -1, 1001, 2.5])('rejects quantity %p with the line named', (quantity) => {
    const order = anOrder({ lines: [aLine(), aLine({ quantity })], totalMinor: 1999 });
    const r = validateOrder(order, policy).find((x) => x.code === 'INVALID_QUANTITY');
    expect(r?.field).toBe('lines[1].quantity');
  });

  it.each([1, 1000])('accepts the quantity bound %p', (quantity) => {
    expect(codes(anOrder({ lines: [aLine({ quantity })] }))).toEqual([]);
  });

  it.each([0, -5])('rejects unit price %p', (unitPriceMinor) => {
    expect(codes(anOrder({ lines: [aLine({ unitPriceMinor })], totalMinor: unitPriceMinor }))).toEqual([
      'INVALID_UNIT_PRICE',
    ]);
  });

  it('rejects a total that differs from the lines by one minor unit', () => {
    const order = anOrder({ lines: [aLine({ quantity: 3, unitPriceMinor: 333 })], totalMinor: 1000 });
    expect(codes(order)).toEqual(['TOTAL_MISMATCH']);
  });

  it('computes totals exactly beyond 2^53 / 1000 per line (no floating point)', () => {
    const unit = 9_000_000_000_000; // 90 billion major units
    const order = anOrder({ lines: [aLine({ quantity: 1000, unitPriceMinor: unit })], totalMinor: 1000 * unit });
    expect(codes(order)).toEqual([]);
  });

  it('rejects unsupported currency and country', () => {
    expect(codes(anOrder({ currency: 'JPY', shippingAddress: anAddress({ country: 'AQ' }) }))).toEqual([
      'UNSUPPORTED_CURRENCY',
      'UNSUPPORTED_COUNTRY',
    ]);
  });

  it.each(['not-an-email', 'a@b', 'a b@example.com', '@example.com', 'x@-example.com', ''])(
    'rejects email %p',
    (email) => {
      expect(codes(anOrder({ customer: aCustomer({ email }) }))).toEqual(['INVALID_EMAIL']);
    },
  );

  it.each(['ada@example.com', 'first.last+tag@mail.example.co.uk'])('accepts email %p', (email) => {
    expect(codes(anOrder({ customer: aCustomer({ email }) }))).toEqual([]);
  });

  it('reports every broken rule at once', () => {
    const order = anOrder({ lines: [aLine({ quantity: 0, unitPriceMinor: 0 })], totalMinor: 5, currency: 'XXX' });
    expect(codes(order)).toEqual(['INVALID_QUANTITY', 'INVALID_UNIT_PRICE', 'TOTAL_MISMATCH', 'UNSUPPORTED_CURRENCY']);
  });
});
