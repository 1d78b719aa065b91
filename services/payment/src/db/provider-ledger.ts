import type { Pool } from 'pg';
import type { LedgerEntry, ProviderLedger } from '../provider/ledger';

const ENTRY = 'idempotency_key, kind, result, amount_minor, currency';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row; every field is cast where it is read
const toEntry = (row: Record<string, any>) =>
  ({
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    result: row.result,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
  }) as LedgerEntry;

const byKey = (rows: Record<string, unknown>[]) =>
  new Map(rows.map((row) => [row.idempotency_key as string, toEntry(row)]));

/**
 * The simulated provider's ledger in PostgreSQL. Every statement runs on the pool in autocommit, outside any handler
 * transaction: what the "provider" did survives a rollback or a kill -9 of the payment service. Keys are written in
 * key order, so two calls over overlapping keys cannot deadlock.
 */
export class PgProviderLedger implements ProviderLedger {
  constructor(private readonly pool: Pool) {}

  async findMany(keys: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const r = await this.pool.query(
      `SELECT ${ENTRY} FROM simulated_provider_ledger WHERE idempotency_key = ANY($1::text[])`,
      [keys],
    );
    return byKey(r.rows);
  }

  async recordMany(entries: readonly LedgerEntry[]): Promise<Map<string, LedgerEntry>> {
    const sorted = [...entries].sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
    const r = await this.pool.query(
      `INSERT INTO simulated_provider_ledger (${ENTRY})
       SELECT e.idempotency_key, e.kind, e.result::jsonb, e.amount_minor, e.currency
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
            AS e(idempotency_key, kind, result, amount_minor, currency)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${ENTRY}`,
      [
        sorted.map((e) => e.idempotencyKey),
        sorted.map((e) => e.kind),
        sorted.map((e) => JSON.stringify(e.result)),
        sorted.map((e) => e.amountMinor),
        sorted.map((e) => e.currency),
      ],
    );
    const held = byKey(r.rows);
    // A concurrent writer won these keys: a separate statement, so that it sees that writer's committed entry.
    const lost = sorted.map((e) => e.idempotencyKey).filter((k) => !held.has(k));
    if (lost.length > 0) {
      const theirs = await this.findMany(lost);
      for (const k of lost) {
        const entry = theirs.get(k);
        if (!entry) throw new Error(`ledger entry ${k} vanished after insert`);
        held.set(k, entry);
      }
    }
    return held;
  }

  async countAttempts(keys: readonly string[]): Promise<Map<string, number>> {
    const r = await this.pool.query(
      `INSERT INTO simulated_provider_attempts (idempotency_key)
       SELECT k FROM unnest($1::text[]) AS k ORDER BY k
       ON CONFLICT (idempotency_key) DO UPDATE
         SET attempts = simulated_provider_attempts.attempts + 1, last_attempt_at = now()
       RETURNING idempotency_key, attempts`,
      [[...new Set(keys)]],
    );
    return new Map(r.rows.map((row) => [row.idempotency_key as string, row.attempts as number]));
  }
}
