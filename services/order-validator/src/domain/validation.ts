import { isEmailAddress, MAX_EMAIL_LENGTH, type OrderCreated } from '@orderflow/contracts';

/** A broken rule, as it travels in order.rejected. */
export interface Rejection {
  code:
    | 'EMPTY_LINES'
    | 'INVALID_QUANTITY'
    | 'INVALID_UNIT_PRICE'
    | 'TOTAL_MISMATCH'
    | 'UNSUPPORTED_CURRENCY'
    | 'UNSUPPORTED_COUNTRY'
    | 'INVALID_EMAIL'
    | 'TOO_MANY_LINES'
    | 'FIELD_TOO_LONG'
    | 'MORE_REASONS';
  field: string | null;
  message: string;
}

export interface ValidationPolicy {
  supportedCurrencies: readonly string[];
  supportedCountries: readonly string[];
  /** Most lines an order may have. @default 100 */
  maxLines?: number;
}

export const DEFAULT_MAX_LINES = 100;
/**
 * Most reasons one rejection lists; the rest are summed up in a last MORE_REASONS reason. An event derived from an
 * input must never be much larger than the input (an order.rejected over the broker's limit would jam the outbox).
 */
export const MAX_REASONS = 20;
/** Longest text of an input value quoted in a reason. */
const QUOTE_MAX = 64;

/** Contract limits of order.created text fields (characters): longer is an upstream mistake, not an order. */
export const FIELD_LIMITS = {
  orderId: 100,
  'customer.customerId': 100,
  'customer.name': 200,
  'customer.email': MAX_EMAIL_LENGTH,
  'shippingAddress.line1': 200,
  'shippingAddress.line2': 200,
  'shippingAddress.city': 100,
  'shippingAddress.postalCode': 20,
  paymentMethodToken: 200,
  'lines[].sku': 64,
} as const;

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 1000;

/**
 * Every rule an order breaks; empty when the order is valid. Amounts are integer minor units, so the total check is
 * exact. All rules are checked (not just the first) so the customer learns everything at once.
 */
export function validateOrder(order: OrderCreated, policy: ValidationPolicy): Rejection[] {
  return capReasons(rulesBroken(order, policy));
}

function rulesBroken(order: OrderCreated, policy: ValidationPolicy): Rejection[] {
  const out: Rejection[] = fieldLengths(order);
  const maxLines = policy.maxLines ?? DEFAULT_MAX_LINES;
  if (order.lines.length > maxLines) {
    // Per-line checks of an absurd order would only make the rejection as absurd.
    out.push({
      code: 'TOO_MANY_LINES',
      field: 'lines',
      message: `the order has ${order.lines.length} lines; at most ${maxLines} are accepted`,
    });
    return out;
  }
  if (order.lines.length === 0) out.push({ code: 'EMPTY_LINES', field: 'lines', message: 'the order has no lines' });
  order.lines.forEach((line, i) => {
    if (!Number.isInteger(line.quantity) || line.quantity < MIN_QUANTITY || line.quantity > MAX_QUANTITY) {
      out.push({
        code: 'INVALID_QUANTITY',
        field: `lines[${i}].quantity`,
        message: `quantity ${line.quantity} of ${quote(line.sku)} is outside ${MIN_QUANTITY}..${MAX_QUANTITY}`,
      });
    }
    if (!Number.isSafeInteger(line.unitPriceMinor) || line.unitPriceMinor <= 0) {
      out.push({
        code: 'INVALID_UNIT_PRICE',
        field: `lines[${i}].unitPriceMinor`,
        message: `unit price ${line.unitPriceMinor} of ${quote(line.sku)} must be a positive amount in minor units`,
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
      message: `currency ${quote(order.currency)} is not supported`,
    });
  }
  if (!policy.supportedCountries.includes(order.shippingAddress.country)) {
    out.push({
      code: 'UNSUPPORTED_COUNTRY',
      field: 'shippingAddress.country',
      message: `we do not ship to ${quote(order.shippingAddress.country)}`,
    });
  }
  if (!isEmailAddress(order.customer.email)) {
    out.push({
      code: 'INVALID_EMAIL',
      field: 'customer.email',
      message: `'${quote(order.customer.email)}' is not a valid email address`,
    });
  }
  return out;
}

/** Text fields over their contract limit (see FIELD_LIMITS). */
function fieldLengths(order: OrderCreated): Rejection[] {
  const values: [keyof typeof FIELD_LIMITS, string, string | null | undefined][] = [
    ['orderId', 'orderId', order.orderId],
    ['customer.customerId', 'customer.customerId', order.customer.customerId],
    ['customer.name', 'customer.name', order.customer.name],
    ['customer.email', 'customer.email', order.customer.email],
    ['shippingAddress.line1', 'shippingAddress.line1', order.shippingAddress.line1],
    ['shippingAddress.line2', 'shippingAddress.line2', order.shippingAddress.line2],
    ['shippingAddress.city', 'shippingAddress.city', order.shippingAddress.city],
    ['shippingAddress.postalCode', 'shippingAddress.postalCode', order.shippingAddress.postalCode],
    ['paymentMethodToken', 'paymentMethodToken', order.paymentMethodToken],
  ];
  const firstLongSku = order.lines.findIndex((l) => l.sku.length > FIELD_LIMITS['lines[].sku']);
  if (firstLongSku >= 0) values.push(['lines[].sku', `lines[${firstLongSku}].sku`, order.lines[firstLongSku]!.sku]);
  return values
    .filter(([limit, , v]) => v != null && v.length > FIELD_LIMITS[limit])
    .map(([limit, field, v]) => ({
      code: 'FIELD_TOO_LONG' as const,
      field,
      message: `${field} has ${v!.length} characters; at most ${FIELD_LIMITS[limit]} are accepted`,
    }));
}

/** At most MAX_REASONS reasons: the first MAX_REASONS - 1, then one that counts the rest. */
function capReasons(reasons: Rejection[]): Rejection[] {
  if (reasons.length <= MAX_REASONS) return reasons;
  const kept = reasons.slice(0, MAX_REASONS - 1);
  const rest = reasons.length - kept.length;
  return [...kept, { code: 'MORE_REASONS', field: null, message: `and ${rest} more problems of the same kinds` }];
}

/** An input value as quoted in a reason: never longer than QUOTE_MAX characters. */
function quote(v: string): string {
  return v.length <= QUOTE_MAX ? v : `${v.slice(0, QUOTE_MAX)}…`;
}
