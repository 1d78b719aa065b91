import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError } from '@orderflow/errors';
import type { ChargeRequest, ChargeResult, PaymentProvider, RefundRequest, RefundResult } from '../domain/provider';
import type { LedgerEntry, ProviderLedger } from './ledger';
import { simulatedOutcome } from './rules';

export interface SimulatedProviderOptions {
  /** Attempts of a tok_transient key that fail before it approves. @default 2 */
  transientFailures?: number;
  /** Delay of every call. @default 0 */
  latencyMs?: number;
}

/**
 * A payment provider that moves no money: the token decides the outcome (see rules.ts) and a ledger keeps every
 * answer by idempotency key, so a repeated key returns the first answer and is never charged or refunded twice.
 */
export class SimulatedProvider implements PaymentProvider {
  private readonly transientFailures: number;
  private readonly latencyMs: number;

  constructor(
    private readonly ledger: ProviderLedger,
    o: SimulatedProviderOptions = {},
  ) {
    this.transientFailures = o.transientFailures ?? 2;
    this.latencyMs = o.latencyMs ?? 0;
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    await this.delay();
    const first = await this.ledger.find(req.idempotencyKey);
    if (first) return replay(first, 'charge', req).result as ChargeResult;
    const attempt = await this.ledger.countAttempt(req.idempotencyKey);
    const outcome = simulatedOutcome(req.token, attempt, this.transientFailures);
    if (outcome.kind === 'unavailable') {
      throw new TransientError(
        `payment provider unavailable (attempt ${attempt} of ${req.idempotencyKey})`,
        'PROVIDER_UNAVAILABLE',
      );
    }
    const result: ChargeResult =
      outcome.kind === 'approve'
        ? { status: 'approved', reference: `sim_ch_${randomUUID()}` }
        : { status: 'declined', code: outcome.code, message: outcome.message };
    const held = await this.ledger.record({ ...entryOf(req), kind: 'charge', result });
    return replay(held, 'charge', req).result as ChargeResult;
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    await this.delay();
    const first = await this.ledger.find(req.idempotencyKey);
    if (first) return replay(first, 'refund', req).result as RefundResult;
    if (!Number.isSafeInteger(req.amountMinor) || req.amountMinor <= 0) {
      throw new PermanentError(
        `refund of ${req.amountMinor} is not a positive amount in minor units`,
        'INVALID_AMOUNT',
      );
    }
    const held = await this.ledger.record({
      ...entryOf(req),
      kind: 'refund',
      result: { reference: `sim_re_${randomUUID()}` },
    });
    return replay(held, 'refund', req).result as RefundResult;
  }

  private async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }
}

const entryOf = (req: ChargeRequest | RefundRequest) => ({
  idempotencyKey: req.idempotencyKey,
  amountMinor: req.amountMinor,
  currency: req.currency,
});

/** A key answers only the request it was first used for, as at real providers; anything else is a caller's bug. */
function replay(entry: LedgerEntry, kind: LedgerEntry['kind'], req: ChargeRequest | RefundRequest): LedgerEntry {
  if (entry.kind !== kind || entry.amountMinor !== req.amountMinor || entry.currency !== req.currency) {
    throw new PermanentError(
      `idempotency key ${req.idempotencyKey} was used for a ${entry.kind} of ${entry.amountMinor} ${entry.currency}`,
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
  return entry;
}
