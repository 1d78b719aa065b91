import type { ChargeResult, RefundResult } from '../domain/provider';

/** One call the simulated provider answered; the first answer for a key is the answer for ever. */
export type LedgerEntry = {
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
} & ({ kind: 'charge'; result: ChargeResult } | { kind: 'refund'; result: RefundResult });

/**
 * The simulated provider's own books. It is an external system: its writes commit on their own, whatever happens to
 * the caller's transaction, so a charge taken before the payment service crashed is still there when it retries.
 */
export interface ProviderLedger {
  /** The entry of the key, if the provider answered it before. */
  find(idempotencyKey: string): Promise<LedgerEntry | undefined>;
  /** Records the entry unless the key has one already; returns the entry that holds (the first writer wins). */
  record(entry: LedgerEntry): Promise<LedgerEntry>;
  /** Counts one more attempt at the key and returns its number, 1 for the first. */
  countAttempt(idempotencyKey: string): Promise<number>;
}
