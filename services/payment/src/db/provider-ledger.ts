import type { Pool } from 'pg';
import type { LedgerEntry, ProviderLedger } from '../provider/ledger';

/**
 * The simulated provider's ledger in PostgreSQL. Every statement runs on the pool in autocommit, outside any handler
 * transaction: what the "provider" did survives a rollback or a kill -9 of the payment service.
 */
export class PgProviderLedger implements ProviderLedger {
  constructor(private readonly pool: Pool) {}

  async find(idempotencyKey: string): Promise<LedgerEntry | undefined> {
    const r = await this.pool.query(
      `SELECT idempotency_key, kind, result, amount_minor, currency FROM simulated_provider_ledger WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      idempotencyKey: row.idempotency_key,
      kind: row.kind,
      result: row.result,
      amountMinor: Number(row.amount_minor),
      currency: row.currency,
    } as LedgerEntry;
  }

  async record(e: LedgerEntry): Promise<LedgerEntry> {
    await this.pool.query(
      `INSERT INTO simulated_provider_ledger (idempotency_key, kind, result, amount_minor, currency)
       VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
      [e.idempotencyKey, e.kind, JSON.stringify(e.result), e.amountMinor, e.currency],
    );
    // A separate statement, so that it sees a concurrent writer's committed entry when that writer won.
    const held = await this.find(e.idempotencyKey);
    if (!held) throw new Error(`ledger entry ${e.idempotencyKey} vanished after insert`);
    return held;
  }

  async countAttempt(idempotencyKey: string): Promise<number> {
    const r = await this.pool.query(
      `INSERT INTO simulated_provider_attempts (idempotency_key) VALUES ($1)
       ON CONFLICT (idempotency_key) DO UPDATE
         SET attempts = simulated_provider_attempts.attempts + 1, last_attempt_at = now()
       RETURNING attempts`,
      [idempotencyKey],
    );
    return r.rows[0].attempts as number;
  }
}
