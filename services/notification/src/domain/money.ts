/// <reference lib="es2023.intl" />
// es2023.intl types Intl.NumberFormat#format(string): an exact decimal string, formatted without passing through a float.

const formatters = new Map<string, Intl.NumberFormat>();

function formatterOf(currency: string): Intl.NumberFormat {
  let nf = formatters.get(currency);
  if (!nf) {
    nf = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, nf);
  }
  return nf;
}

/**
 * An amount in integer minor units for people: 1999 EUR → "€19.99", 500 JPY → "¥500". The decimal point is placed
 * with integer arithmetic (the currency's minor-unit digits come from Intl), so no amount is ever rounded.
 */
export function formatMoney(amountMinor: number | bigint, currency: string): string {
  const nf = formatterOf(currency);
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  const minor = BigInt(amountMinor);
  const sign = minor < 0n ? '-' : '';
  const abs = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, '0');
  const decimal = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  return nf.format(`${sign}${decimal}` as Intl.StringNumericLiteral);
}
