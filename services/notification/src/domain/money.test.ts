import { formatMoney } from './money';

describe('formatMoney', () => {
  it.each([
    [1999, 'EUR', '€19.99'],
    [1999, 'USD', '$19.99'],
    [1999, 'GBP', '£19.99'],
    [5, 'EUR', '€0.05'],
    [0, 'USD', '$0.00'],
    [123456789, 'GBP', '£1,234,567.89'],
    [-250, 'EUR', '-€2.50'],
    [500, 'JPY', '¥500'],
  ])('%p %s → %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });

  it('formats amounts beyond float precision exactly', () => {
    // 2^53 + 1 minor units cannot be represented as a double; as a float it would print ...40.992
    expect(formatMoney(9007199254740993n, 'USD')).toBe('$90,071,992,547,409.93');
  });
});
