import type { OrderCreated } from '@orderflow/contracts';

/** A broken rule, as it travels in order.rejected. */
export interface Rejection {
  code:
    | 'EMPTY_LINES'
    | 'INVALID_QUANTITY'
    | 'INVALID_UNIT_PRICE'
    | 'TOTAL_MISMATCH'
    | 'UNSUPPORTED_CURRENCY'
    | 'UNSUPPORTED_COUNTRY'
    | 'INVALID_EMAIL';
  field: string | null;
  message: string;
}

export interface ValidationPolicy {
  supportedCurrencies: readonly string[];
  supportedCountries: readonly string[];
}

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 1000;

// Pragmatic address check (RFC 5322 is far looser): one @, no spaces, a dot in the domain, no empty labels.
const EMAIL = /^[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * Every rule an order breaks; empty when the order is valid. Amounts are integer minor units, so the total check is
 * exact. All rules are checked (not just the first) so the customer learns everything at once.
 */
export function validateOrder(order: OrderCreated, policy: ValidationPolicy): Rejection[] {
  const out: Rejection[] = [];
  if (order.lines.length === 0) out.push({ code: 'EMPTY_LINES', field: 'lines', message: 'the order has no lines' });
  order.lines.forEach((line, i) => {
    if (!Number.isInteger(line.quantity) || line.quantity < MIN_QUANTITY || line.quantity > MAX_QUANTITY) {
      out.push({
        code: 'INVALID_QUANTITY',
        field: `lines[${i}].quantity`,
        message: `quantity ${line.quantity} of ${line.sku} is outside ${MIN_QUANTITY}..${MAX_QUANTITY}`,
      });
    }
    if (!Number.isSafeInteger(line.unitPriceMinor) || line.unitPriceMinor <= 0) {
      out.push({
        code: 'INVALID_UNIT_PRICE',
        field: `lines[${i}].unitPriceMinor`,
        message: `unit price ${line.unitPriceMinor} of ${line.sku} must be a positive amount in minor units`,
      });
    }
  });
  const integral = order.lines.every((l) => Number.isSafeInteger(l.quantity) && Number.isSafeInteger(l.unitPriceMinor));
  const sum = integral
    ? order.lines.reduce((s, l) => s + BigInt(l.quantity) * BigInt(l.unitPriceMinor), 0n)
    : undefined;
  if (order.lines.length > 0 && sum !== undefined && sum !== BigInt(order.totalMinor)) {
    out.push({
      code: 'TOTAL_MISMATCH',
      field: 'totalMinor',
      message: `total ${order.totalMinor} differs from the sum of the lines, ${sum}`,
    });
  }
  if (!policy.supportedCurrencies.includes(order.currency)) {
    out.push({
      code: 'UNSUPPORTED_CURRENCY',
      field: 'currency',
      message: `currency ${order.currency} is not supported`,
    });
  }
  if (!policy.supportedCountries.includes(order.shippingAddress.country)) {
    out.push({
      code: 'UNSUPPORTED_COUNTRY',
      field: 'shippingAddress.country',
      message: `we do not ship to ${order.shippingAddress.country}`,
    });
  }
  if (!EMAIL.test(order.customer.email)) {
    out.push({
      code: 'INVALID_EMAIL',
      field: 'customer.email',
      message: `'${order.customer.email}' is not a valid email address`,
    });
  }
  return out;
}
