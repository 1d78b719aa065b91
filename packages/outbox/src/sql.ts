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
