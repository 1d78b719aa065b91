import { createHash } from 'node:crypto';

/** Quotes an identifier (schema names come from configuration, never from input, but quote anyway). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid SQL identifier: ${name}`);
  return `"${name}"`;
}

/** Stable 32-bit key for advisory locks, namespaced by purpose and schema. */
export function lockKey(...parts: string[]): number {
  return createHash('sha1').update(parts.join('\u0000')).digest().readInt32BE(0);
}

/** DDL of the outbox and inbox tables in a service's schema. Idempotent; run at start before service migrations. */
export function outboxDdl(schema: string): string {
  const s = ident(schema);
  return `
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
    );`;
}

export function notifyChannel(schema: string): string {
  return `${schema}_outbox`;
}
