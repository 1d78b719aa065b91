import type { ChargeResult, RefundResult } from '../domain/provider';

/** One call the simulated provider answered; the first answer for a key is the answer for ever. */
export type LedgerEntry = {
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
} & ({ kind: 'charge'; result: ChargeResult } | { kind: 'refund'; result: RefundResult });

/**
 * The simulated provider's own books. It is an external system: its writes commit on their own, whatever happens to
 * the caller's transaction, so a charge taken before the payment service crashed (or before its batch rolled back)
 * is still there when it retries. Every method takes many keys, so that a batch of calls costs a few statements.
 */
export interface ProviderLedger {
  /** The entries of the keys the provider answered before, by key. */
  findMany(idempotencyKeys: readonly string[]): Promise<Map<string, LedgerEntry>>;
  /**
   * Records each entry unless its key has one already; returns, by key, the entries that hold (the first writer
   * wins). Keys are distinct.
   */
  recordMany(entries: readonly LedgerEntry[]): Promise<Map<string, LedgerEntry>>;
  /** Counts one more attempt at each (distinct) key and returns its number by key, 1 for the first. */
  countAttempts(idempotencyKeys: readonly string[]): Promise<Map<string, number>>;
}
