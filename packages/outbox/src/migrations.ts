import type { ClientBase } from 'pg';
import { ident } from './sql';

/** One numbered step of the outbox/inbox schema. `sql` gets the quoted schema name. */
interface Migration {
  version: number;
  name: string;
  sql: (s: string) => string;
}

/**
 * The outbox and inbox tables of a service's schema, as numbered migrations (applied in order, each once, recorded
 * in `<schema>.outbox_migrations`). Append new steps; never edit one that has shipped. Every step is also
 * idempotent, so a schema created before the steps were recorded adopts them.
 */
export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outbox and inbox',
    sql: (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.outbox (
        id           bigserial PRIMARY KEY,
        topic        text        NOT NULL,
        message_key  text,
        payload      bytea       NOT NULL,
        headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
        event_id     text        NOT NULL,
        event_type   text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON ${s}.outbox (id) WHERE published_at IS NULL;
      CREATE INDEX IF NOT EXISTS outbox_published_at_idx ON ${s}.outbox (published_at) WHERE published_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS ${s}.inbox (
        event_id     text        PRIMARY KEY,
        event_type   text        NOT NULL,
        topic        text        NOT NULL,
        kafka_partition integer  NOT NULL,
        kafka_offset bigint      NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    name: 'parked rows: set aside when the broker refuses them for good',
    sql: (s) => `
      ALTER TABLE ${s}.outbox ADD COLUMN IF NOT EXISTS parked_at timestamptz;
      ALTER TABLE ${s}.outbox ADD COLUMN IF NOT EXISTS park_reason text;
      ALTER TABLE ${s}.outbox ADD COLUMN IF NOT EXISTS discarded_at timestamptz;
      DROP INDEX IF EXISTS ${s}.outbox_unpublished_idx;
      CREATE INDEX IF NOT EXISTS outbox_pending_idx ON ${s}.outbox (id) WHERE published_at IS NULL AND parked_at IS NULL;
      CREATE INDEX IF NOT EXISTS outbox_parked_key_idx ON ${s}.outbox (message_key, id)
        WHERE published_at IS NULL AND parked_at IS NOT NULL AND discarded_at IS NULL;`,
  },
  {
    version: 3,
    name: "the relay's lease: a row only the service's role can take (lease.ts), not an advisory lock",
    sql: (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.relay_lease (
        name           text PRIMARY KEY,
        holder_pid     integer,
        holder_started timestamptz,
        epoch          bigint NOT NULL DEFAULT 0,
        acquired_at    timestamptz
      );`,
  },
  {
    version: 4,
    name: 'discarded rows found by index when their retention ends',
    sql: (s) => `
      CREATE INDEX IF NOT EXISTS outbox_discarded_at_idx ON ${s}.outbox (discarded_at) WHERE discarded_at IS NOT NULL;`,
  },
  {
    version: 5,
    name: 'a published row leaves the outbox for a narrow record of its publication (no rewrite of the whole row)',
    // The publish mark rewrote every row whole (payload and headers with it: a new row version, two index entries,
    // as much WAL as the insert) to set one timestamp. A published row now moves out: deleted from the outbox, its
    // identity and publication time kept in outbox_published for the retention window (the event itself is in
    // Kafka). Rows an older relay marked in place during a rolling update are moved here, or purged by retention.
    sql: (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.outbox_published (
        id           bigint      PRIMARY KEY,
        event_id     text        NOT NULL,
        event_type   text        NOT NULL,
        topic        text        NOT NULL,
        message_key  text,
        created_at   timestamptz NOT NULL,
        published_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS outbox_published_published_at_idx ON ${s}.outbox_published (published_at);
      WITH moved AS (DELETE FROM ${s}.outbox WHERE published_at IS NOT NULL
                     RETURNING id, event_id, event_type, topic, message_key, created_at, published_at)
      INSERT INTO ${s}.outbox_published SELECT * FROM moved ON CONFLICT (id) DO NOTHING;`,
  },
  {
    version: 6,
    name: 'the relay reads pending rows by the primary key: published rows have left the outbox (step 5)',
    // Since step 5 the outbox holds only rows not published yet, and the few parked or discarded ones, so the
    // primary key walks the pending rows in id order as the partial index did; that index cost an entry (and its
    // WAL) for every event written.
    sql: (s) => `
      DROP INDEX IF EXISTS ${s}.outbox_pending_idx;`,
  },
];

/** Every step's SQL, for tests and tools that create an outbox schema in one go (idempotent). */
export function outboxDdl(schema: string): string {
  const s = ident(schema);
  return OUTBOX_MIGRATIONS.map((m) => m.sql(s)).join('\n');
}

/**
 * Applies the outbox steps `schema` has not had yet, each in its own transaction. The caller serialises replicas
 * (service-kit's migrate holds a lock of the schema's migration_lock table).
 */
export async function migrateOutbox(c: ClientBase, schema: string): Promise<number[]> {
  const s = ident(schema);
  await c.query(`CREATE TABLE IF NOT EXISTS ${s}.outbox_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await c.query(`SELECT version FROM ${s}.outbox_migrations`)).rows.map((r) => r.version));
  const applied: number[] = [];
  for (const m of OUTBOX_MIGRATIONS) {
    if (done.has(m.version)) continue;
    await c.query('BEGIN');
    try {
      await c.query(m.sql(s));
      await c.query(`INSERT INTO ${s}.outbox_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    applied.push(m.version);
  }
  return applied;
}
