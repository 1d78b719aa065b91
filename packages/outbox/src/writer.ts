import type { ClientBase } from 'pg';
import { ident, lockKey, notifyChannel } from './sql';

/** A serialised event ready to be stored with the state change that produced it. */
export interface OutboxRecord {
  topic: string;
  key: string | null;
  payload: Buffer;
  headers: Record<string, string>;
  eventId: string;
  eventType: string;
}

/**
 * Appends records to the service's outbox inside the caller's open transaction. Writers of the same key are
 * serialised by a transaction-scoped advisory lock taken before the ids are drawn, so for any one key (order) the
 * outbox ids are in commit order: the relay, publishing in id order, keeps per-order order. The NOTIFY is delivered
 * at commit and wakes the relay.
 */
export async function appendToOutbox(tx: ClientBase, schema: string, records: readonly OutboxRecord[]): Promise<void> {
  if (records.length === 0) return;
  // One statement takes every key's lock, in ascending order of the lock id so that writers never deadlock.
  const ids = [...new Set(records.map((r) => lockKey('outbox-key', schema, r.key ?? '')))].sort((a, b) => a - b);
  await tx.query('SELECT count(pg_advisory_xact_lock(k::bigint)) FROM unnest($1::int[]) AS k', [ids]);
  const values: unknown[] = [];
  const rows = records.map((r, i) => {
    values.push(r.topic, r.key, r.payload, JSON.stringify(r.headers), r.eventId, r.eventType);
    const b = i * 6;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}, $${b + 6})`;
  });
  await tx.query(
    `INSERT INTO ${ident(schema)}.outbox (topic, message_key, payload, headers, event_id, event_type) VALUES ${rows.join(', ')}`,
    values,
  );
  await tx.query('SELECT pg_notify($1, $2)', [notifyChannel(schema), '']);
}

/** Coordinates of a consumed event, recorded so that a redelivery is recognised. */
export interface InboxEntry {
  eventId: string;
  eventType: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Records a consumed event in the inbox inside the caller's transaction. Returns false when the event was already
 * processed (the caller then does nothing): with the state change in the same transaction, a redelivered event
 * never has a second effect.
 */
export async function claimInbox(tx: ClientBase, schema: string, e: InboxEntry): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO ${ident(schema)}.inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING`,
    [e.eventId, e.eventType, e.topic, e.partition, e.offset],
  );
  return r.rowCount === 1;
}

/**
 * claimInbox for many events in one statement. Returns the ids that were new; an id that appears twice in
 * `entries` is new at most once (the caller processes its first occurrence only).
 */
export async function claimInboxMany(
  tx: ClientBase,
  schema: string,
  entries: readonly InboxEntry[],
): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const values: unknown[] = [];
  const rows = entries.map((e, i) => {
    values.push(e.eventId, e.eventType, e.topic, e.partition, e.offset);
    const b = i * 5;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
  });
  const r = await tx.query(
    `INSERT INTO ${ident(schema)}.inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
     VALUES ${rows.join(', ')} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    values,
  );
  return new Set(r.rows.map((row) => row.event_id as string));
}
