import { anOrder, aLine, aCustomer, anAddress } from '@orderflow/testing';
import { MAX_REASONS, validateOrder } from './validation';

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

  it('rejects an order with more lines than the limit with one reason, not one per line', () => {
    const lines = Array.from({ length: 8000 }, (_, i) => aLine({ sku: `S${i}`, quantity: 0 }));
    const reasons = validateOrder(anOrder({ lines, totalMinor: 1 }), policy);
    expect(reasons.map((r) => r.code)).toEqual(['TOO_MANY_LINES']);
    expect(reasons[0]!.message).toBe('the order has 8000 lines; at most 100 are accepted');
    expect(codes(anOrder({ lines: lines.slice(0, 3), totalMinor: 0 }))).not.toContain('TOO_MANY_LINES');
  });

  it('takes the line limit from the policy', () => {
    const lines = [aLine({ sku: 'A' }), aLine({ sku: 'B' }), aLine({ sku: 'C' })];
    expect(validateOrder(anOrder({ lines }), { ...policy, maxLines: 2 }).map((r) => r.code)).toEqual([
      'TOO_MANY_LINES',
    ]);
  });

  it('never derives a rejection much larger than the order: reasons are capped, quotes are cut', () => {
    const lines = Array.from({ length: 100 }, (_, i) => aLine({ sku: `SKU-${'x'.repeat(60)}-${i}`, quantity: 0 }));
    const order = anOrder({ lines, totalMinor: 1, customer: aCustomer({ email: `${'e'.repeat(250)}@` }) });
    const reasons = validateOrder(order, policy);
    expect(reasons).toHaveLength(MAX_REASONS);
    expect(reasons[MAX_REASONS - 1]).toMatchObject({ code: 'MORE_REASONS', field: null });
    expect(reasons[MAX_REASONS - 1]!.message).toMatch(/^and \d+ more problems/);
    expect(JSON.stringify(reasons).length).toBeLessThan(JSON.stringify(order).length);
    for (const r of reasons) expect(r.message.length).toBeLessThan(200);
  });

  it('rejects text fields over the contract limits, naming the field', () => {
    const order = anOrder({
      customer: aCustomer({ name: 'n'.repeat(201) }),
      shippingAddress: anAddress({ postalCode: '1'.repeat(21) }),
      lines: [aLine({ sku: 's'.repeat(65) })],
    });
    const r = validateOrder(order, policy).filter((x) => x.code === 'FIELD_TOO_LONG');
    expect(r.map((x) => x.field)).toEqual(['customer.name', 'shippingAddress.postalCode', 'lines[0].sku']);
  });
});
