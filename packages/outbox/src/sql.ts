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

export function notifyChannel(schema: string): string {
  return `${schema}_outbox`;
}

/**
 * Session options (libpq `options`) of every connection that runs the platform's named prepared statements. Their
 * tables (outbox, inbox, the notification and reservation queues) start empty and then grow by thousands of rows a
 * minute. After five executions PostgreSQL may switch a prepared statement to a generic plan, costed with the sizes
 * it saw then — on an empty outbox, a sequential scan — and keeps it until the next ANALYZE of the table, which
 * never comes where autovacuum is off and comes late where it is on (measured: the relay's publish mark went to a
 * sequential scan of the whole outbox, 10 ms per call). Custom plans are made with the table's size at each
 * execution; the statement text is still parsed only once per connection.
 */
export const SESSION_OPTIONS = '-c plan_cache_mode=force_custom_plan';
