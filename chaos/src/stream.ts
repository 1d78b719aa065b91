/**
 * The chaos stream: orders from the upstream generator, each with the outcome it is generated for, published at a
 * steady pace. A publish that fails (broker restarting) is retried until it succeeds, as an upstream system would;
 * a record that was stored although its acknowledgement was lost arrives twice, which the platform must absorb.
 */
import { toOrderCreated, createRng, generateOrder, parseMix, pickKind, SCARCE_PRODUCT } from '@orderflow/upstream';
import type { OrderInput, OrderKind, Rng } from '@orderflow/upstream';
import type { TestKafka } from '@orderflow/testing';

/** What the checker expects of each kind, in analytics' stage names. */
export const EXPECTED_STAGE: Record<OrderKind, string> = {
  happy: 'FULFILLED',
  reject: 'REJECTED',
  short: 'OUT_OF_STOCK',
  decline: 'PAYMENT_FAILED',
  insufficient: 'PAYMENT_FAILED',
  undeliverable: 'REFUNDED',
  transient: 'FULFILLED',
};

/** The finer outcome the run reports: which rule a rejected order broke, which shortage a short order hit. */
export type Variant =
  | 'happy'
  | 'decline'
  | 'undeliverable'
  | 'invalid-email'
  | 'bad-total'
  | 'zero-quantity'
  | 'scarce-stock'
  | 'unknown-sku'
  | OrderKind;

export interface ChaosOrder {
  input: OrderInput;
  kind: OrderKind;
  variant: Variant;
  expectedStage: string;
  /** The address has no '@': order-validator rejects it and its notification must fail with INVALID_ADDRESS. */
  invalidEmail: boolean;
  publishedAt?: number;
}

/** Every outcome, weighted so that a short run still has several of each. */
export const CHAOS_MIX = 'happy=55,reject=15,short=10,decline=10,undeliverable=10';

function variantOf(kind: OrderKind, o: OrderInput): Variant {
  if (kind === 'reject') {
    if (!o.customer.email.includes('@')) return 'invalid-email';
    const sum = o.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
    return sum !== o.totalMinor ? 'bad-total' : 'zero-quantity';
  }
  if (kind === 'short') return o.lines.some((l) => l.sku === SCARCE_PRODUCT.sku) ? 'scarce-stock' : 'unknown-sku';
  return kind;
}

export function generateStream(count: number, seed: string, mix = CHAOS_MIX): ChaosOrder[] {
  const rng: Rng = createRng(seed);
  const weights = parseMix(mix);
  return Array.from({ length: count }, () => {
    const kind = pickKind(weights, rng);
    const input = generateOrder(kind, rng);
    return {
      input,
      kind,
      variant: variantOf(kind, input),
      expectedStage: EXPECTED_STAGE[kind],
      invalidEmail: !input.customer.email.includes('@'),
    };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes order i at start + i / rate; returns the number of publish attempts that failed and were retried. */
export async function publishStream(
  tk: TestKafka,
  orders: ChaosOrder[],
  ratePerSecond: number,
  log: (m: string) => void,
): Promise<{ retries: number }> {
  const start = Date.now();
  let retries = 0;
  for (const [i, o] of orders.entries()) {
    const due = start + (i * 1000) / ratePerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    for (let attempt = 1; ; attempt++) {
      try {
        await tk.publish('order.created', toOrderCreated(o.input, 'chaos-upstream'));
        o.publishedAt = Date.now();
        break;
      } catch (err) {
        retries += 1;
        if (attempt === 1) log(`publish of ${o.input.orderId} failed (${(err as Error).message}); retrying`);
        await sleep(Math.min(2000, 200 * attempt));
      }
    }
  }
  return { retries };
}
