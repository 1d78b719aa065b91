import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError } from '@orderflow/errors';
import type { ChargeRequest, ChargeResult, PaymentProvider, RefundRequest, RefundResult } from '../domain/provider';
import type { LedgerEntry, ProviderLedger } from './ledger';
import { simulatedOutcome } from './rules';

export interface SimulatedProviderOptions {
  /** Attempts of a tok_transient key that fail before it approves. @default 2 */
  transientFailures?: number;
  /** Delay of every call (one call may carry many requests). @default 0 */
  latencyMs?: number;
}

type Request = ChargeRequest | RefundRequest;
/** What the provider decided for a key it had not answered before: an entry to record, or why it cannot answer. */
type Decision = LedgerEntry | Error;

/**
 * A payment provider that moves no money: the token decides the outcome (see rules.ts) and a ledger keeps every
 * answer by idempotency key, so a repeated key returns the first answer and is never charged or refunded twice.
 * A single call is a batch of one: both go through the same few ledger statements.
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
    return (await this.chargeMany([req]))[0]!;
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    return (await this.refundMany([req]))[0]!;
  }

  async chargeMany(reqs: readonly ChargeRequest[]): Promise<ChargeResult[]> {
    return this.answer(reqs, 'charge', async (fresh) => {
      const attempts = await this.ledger.countAttempts(fresh.map((r) => r.idempotencyKey));
      return fresh.map((req) => {
        const attempt = attempts.get(req.idempotencyKey)!;
        const outcome = simulatedOutcome(req.token, attempt, this.transientFailures);
        if (outcome.kind === 'unavailable') {
          return new TransientError(
            `payment provider unavailable (attempt ${attempt} of ${req.idempotencyKey})`,
            'PROVIDER_UNAVAILABLE',
          );
        }
        const result: ChargeResult =
          outcome.kind === 'approve'
            ? { status: 'approved', reference: `sim_ch_${randomUUID()}` }
            : { status: 'declined', code: outcome.code, message: outcome.message };
        return { ...entryOf(req), kind: 'charge', result };
      });
    }) as Promise<ChargeResult[]>;
  }

  async refundMany(reqs: readonly RefundRequest[]): Promise<RefundResult[]> {
    return this.answer(reqs, 'refund', async (fresh) =>
      fresh.map((req) =>
        Number.isSafeInteger(req.amountMinor) && req.amountMinor > 0
          ? { ...entryOf(req), kind: 'refund', result: { reference: `sim_re_${randomUUID()}` } }
          : new PermanentError(
              `refund of ${req.amountMinor} is not a positive amount in minor units`,
              'INVALID_AMOUNT',
            ),
      ),
    ) as Promise<RefundResult[]>;
  }

  /**
   * One call: keys answered before replay their first answer; the first request of every other key is decided by
   * `decide`, and what it decided is recorded (first writer wins) before anything is answered. Later requests of a
   * key in the same call replay its answer, as they would one after another.
   */
  private async answer<R extends Request>(
    reqs: readonly R[],
    kind: LedgerEntry['kind'],
    decide: (fresh: R[]) => Promise<Decision[]>,
  ): Promise<LedgerEntry['result'][]> {
    await this.delay();
    const byKey = new Map<string, R>();
    for (const r of reqs) if (!byKey.has(r.idempotencyKey)) byKey.set(r.idempotencyKey, r);
    const firsts = [...byKey.values()];
    const known = await this.ledger.findMany(firsts.map((r) => r.idempotencyKey));
    const fresh = firsts.filter((r) => !known.has(r.idempotencyKey));
    const decisions = fresh.length > 0 ? await decide(fresh) : [];
    const errors = new Map<string, Error>();
    const entries: LedgerEntry[] = [];
    decisions.forEach((d, i) => {
      if (d instanceof Error) errors.set(fresh[i]!.idempotencyKey, d);
      else entries.push(d);
    });
    const held = new Map([...known, ...(entries.length > 0 ? await this.ledger.recordMany(entries) : [])]);
    let failure: Error | undefined;
    const results = reqs.map((req) => {
      try {
        const error = errors.get(req.idempotencyKey);
        if (error) throw error;
        return replay(held.get(req.idempotencyKey)!, kind, req).result;
      } catch (err) {
        failure ??= err as Error;
        return undefined;
      }
    });
    if (failure) throw failure;
    return results as LedgerEntry['result'][];
  }

  private async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }
}

const entryOf = (req: Request) => ({
  idempotencyKey: req.idempotencyKey,
  amountMinor: req.amountMinor,
  currency: req.currency,
});

/** A key answers only the request it was first used for, as at real providers; anything else is a caller's bug. */
function replay(entry: LedgerEntry, kind: LedgerEntry['kind'], req: Request): LedgerEntry {
  if (entry.kind !== kind || entry.amountMinor !== req.amountMinor || entry.currency !== req.currency) {
    throw new PermanentError(
      `idempotency key ${req.idempotencyKey} was used for a ${entry.kind} of ${entry.amountMinor} ${entry.currency}`,
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
  return entry;
}
