import { ConfigError } from '@orderflow/errors';
import {
  DEMO_CURRENCIES,
  DEMO_PLACES,
  DEMO_PRODUCTS,
  DEMO_STOCK,
  FIRST_NAMES,
  LAST_NAMES,
  PAYMENT_TOKENS,
  SCARCE_PRODUCT,
  SUPPORTED_COUNTRIES,
  UNDELIVERABLE_POSTAL_CODES,
  UNKNOWN_SKU_PREFIX,
} from './demo-catalog';
import type { OrderInput } from './order-input';

/** A source of uniform numbers in [0, 1): `Math.random`, or `createRng(seed)` for reproducible runs. */
export type Rng = () => number;

/** A seeded generator (mulberry32 over an FNV-1a hash of the seed): the same seed yields the same orders. */
export function createRng(seed: string | number): Rng {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The outcome an order is generated for. */
export const ORDER_KINDS = [
  'happy',
  'reject',
  'short',
  'decline',
  'undeliverable',
  'insufficient',
  'transient',
] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** The validation rules a 'reject' order breaks, one of them per order. */
export const REJECT_RULES = ['total-mismatch', 'bad-email', 'zero-quantity'] as const;
export type RejectRule = (typeof REJECT_RULES)[number];

/** Relative weights per kind; they need not add up to 100. */
export type OrderMix = Partial<Record<OrderKind, number>>;

export const DEFAULT_MIX = 'happy=80,reject=5,short=5,decline=5,undeliverable=5';

function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function hex(rng: Rng, length: number): string {
  let s = '';
  while (s.length < length) s += Math.floor(rng() * 16).toString(16);
  return s;
}

/** Sum of quantity × unit price, in minor units. */
export function totalOf(lines: readonly { quantity: number; unitPriceMinor: number }[]): number {
  return lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
}

/** A valid order for in-stock SKUs, an approving token and a deliverable country. */
function happyOrder(rng: Rng): OrderInput {
  const first = pick(rng, FIRST_NAMES);
  const last = pick(rng, LAST_NAMES);
  const products = shuffle(rng, DEMO_PRODUCTS).slice(0, int(rng, 1, 3));
  const lines = products.map((p) => ({ sku: p.sku, quantity: int(rng, 1, 3), unitPriceMinor: p.unitPriceMinor }));
  const country = pick(rng, SUPPORTED_COUNTRIES);
  const [line1, city, postalCode] = pick(rng, DEMO_PLACES[country]);
  return {
    orderId: `ord-${hex(rng, 12)}`,
    customer: {
      customerId: `cust-${hex(rng, 8)}`,
      name: `${first} ${last}`,
      email: `${first}.${last}${int(rng, 1, 999)}@example.com`.toLowerCase(),
    },
    currency: pick(rng, DEMO_CURRENCIES),
    lines,
    totalMinor: totalOf(lines),
    shippingAddress: { line1, line2: rng() < 0.2 ? `Apt ${int(rng, 1, 99)}` : null, city, postalCode, country },
    paymentMethodToken: PAYMENT_TOKENS.approve,
  };
}

function breakRule(order: OrderInput, rule: RejectRule, rng: Rng): OrderInput {
  switch (rule) {
    case 'total-mismatch':
      return { ...order, totalMinor: order.totalMinor + int(rng, 1, 500) };
    case 'bad-email':
      return { ...order, customer: { ...order.customer, email: order.customer.email.replace('@', '.at.') } };
    case 'zero-quantity': {
      // The total still matches the lines, so quantity is the only rule broken.
      const lines = order.lines.map((l, i) => (i === 0 ? { ...l, quantity: 0 } : l));
      return { ...order, lines, totalMinor: totalOf(lines) };
    }
  }
}

/** An otherwise valid order that inventory cannot serve: an unknown SKU, or more of the scarce SKU than exists. */
function shortOrder(order: OrderInput, rng: Rng): OrderInput {
  const line =
    rng() < 0.5
      ? { sku: `${UNKNOWN_SKU_PREFIX}${hex(rng, 4).toUpperCase()}`, quantity: int(rng, 1, 3), unitPriceMinor: 999 }
      : {
          sku: SCARCE_PRODUCT.sku,
          quantity: int(rng, (DEMO_STOCK[SCARCE_PRODUCT.sku] ?? 0) + 1, 1000),
          unitPriceMinor: SCARCE_PRODUCT.unitPriceMinor,
        };
  const lines = [...order.lines, line];
  return { ...order, lines, totalMinor: totalOf(lines) };
}

/**
 * A realistic order meant to end in `kind`'s outcome: passes every rule except the one its kind is about.
 * No `createdAt`: it is stamped when published. With a seeded `rng` the result (ids included) is reproducible.
 */
export function generateOrder(kind: OrderKind, rng: Rng = Math.random): OrderInput {
  const order = happyOrder(rng);
  const withToken = (paymentMethodToken: string): OrderInput => ({ ...order, paymentMethodToken });
  switch (kind) {
    case 'happy':
      return order;
    case 'reject':
      return breakRule(order, pick(rng, REJECT_RULES), rng);
    case 'short':
      return shortOrder(order, rng);
    case 'decline':
      return withToken(PAYMENT_TOKENS.decline);
    case 'insufficient':
      return withToken(PAYMENT_TOKENS.insufficientFunds);
    case 'transient':
      return withToken(PAYMENT_TOKENS.transient);
    case 'undeliverable':
      return {
        ...order,
        shippingAddress: { ...order.shippingAddress, postalCode: pick(rng, UNDELIVERABLE_POSTAL_CODES) },
      };
  }
}

/**
 * Parses `happy=80,reject=5,…` into weights.
 * @throws ConfigError for an unknown kind, a repeated kind, a weight that is not a non-negative number, or all zero.
 */
export function parseMix(text: string): OrderMix {
  const mix: OrderMix = {};
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts.filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*(\S+)$/.exec(part);
    if (!m) throw new ConfigError(`--mix: '${part}' is not kind=weight`);
    const [, kind = '', weightText = ''] = m;
    if (!(ORDER_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError(`--mix: unknown kind '${kind}' (kinds: ${ORDER_KINDS.join(', ')})`);
    }
    const weight = Number(weightText);
    if (!Number.isFinite(weight) || weight < 0) throw new ConfigError(`--mix: weight of ${kind} must be a number >= 0`);
    if (mix[kind as OrderKind] !== undefined) throw new ConfigError(`--mix: ${kind} is given twice`);
    mix[kind as OrderKind] = weight;
  }
  if (Object.values(mix).reduce((s, w) => s + w, 0) <= 0)
    throw new ConfigError('--mix: at least one weight must be > 0');
  return mix;
}

/** Draws a kind with probability proportional to its weight. */
export function pickKind(mix: OrderMix, rng: Rng = Math.random): OrderKind {
  const entries = ORDER_KINDS.map((k) => [k, mix[k] ?? 0] as const).filter(([, w]) => w > 0);
  let x = rng() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [kind, weight] of entries) {
    if ((x -= weight) < 0) return kind;
  }
  return entries[entries.length - 1]![0];
}
