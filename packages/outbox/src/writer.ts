import type { ClientBase } from 'pg';
import { ident, lockKey, notifyChannel } from './sql';
import { queryAtCommit } from './transaction';

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
 * outbox ids are in commit order: the relay, publishing in id order, keeps per-order order. Unless `notify` is false
 * (the caller wakes a relay in its own process after the commit), a NOTIFY delivered at commit wakes the relay.
 * Statements have the same text whatever the number of records (arrays, not VALUES lists), so they are prepared
 * once per connection. In a transaction of withTransaction they run with its COMMIT, in the same round trip (after
 * any beforeCommit work): the key locks are then held for the insert and the commit only.
 */
export async function appendToOutbox(
  tx: ClientBase,
  schema: string,
  records: readonly OutboxRecord[],
  { notify = true }: { notify?: boolean } = {},
): Promise<void> {
  if (records.length === 0) return;
  // Every key's lock, in ascending order of the lock id so that writers never deadlock.
  const ids = [...new Set(records.map((r) => lockKey('outbox-key', schema, r.key ?? '')))].sort((a, b) => a - b);
  const q = ident(schema);
  // The payloads travel as one binary parameter (cut by offset and length), the headers as one JSON document: an
  // array of bytea or jsonb would go as text, every payload in hex and every header document quoted and escaped
  // into the array literal, for the server to unescape and decode again.
  const starts: number[] = [];
  const lengths: number[] = [];
  let at = 1;
  for (const r of records) {
    starts.push(at);
    lengths.push(r.payload.length);
    at += r.payload.length;
  }
  await queryAtCommit(tx, {
    name: `outbox-append-${schema}`,
    // One round trip: the locks are an aggregate joined to the rows, so all are held before the first row exists,
    // i.e. before its id is drawn. WITH ORDINALITY keeps the records' order in the ids drawn (a key's events in the
    // order they were emitted).
    text: `INSERT INTO ${q}.outbox (topic, message_key, payload, headers, event_id, event_type)
       SELECT r.topic, r.message_key, substr($3::bytea, r.start, r.length), r.headers, r.event_id, r.event_type
       FROM (SELECT count(pg_advisory_xact_lock(k::bigint)) AS held FROM unnest($7::int[]) AS k) AS locks,
            ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($8::int[]), unnest($9::int[]),
                       jsonb_array_elements($4::jsonb), unnest($5::text[]), unnest($6::text[]))
              WITH ORDINALITY AS r(topic, message_key, start, length, headers, event_id, event_type, n)
       WHERE locks.held >= 0
       ORDER BY r.n`,
    values: [
      records.map((r) => r.topic),
      records.map((r) => r.key),
      Buffer.concat(
        records.map((r) => r.payload),
        at - 1,
      ),
      JSON.stringify(records.map((r) => r.headers)),
      records.map((r) => r.eventId),
      records.map((r) => r.eventType),
      ids,
      starts,
      lengths,
    ],
  });
  if (notify)
    await queryAtCommit(tx, {
      name: `outbox-notify-${schema}`,
      text: 'SELECT pg_notify($1, $2)',
      values: [notifyChannel(schema), ''],
    });
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
  const r = await tx.query({
    name: `inbox-claim-${schema}`,
    text: `INSERT INTO ${ident(schema)}.inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    values: [
      entries.map((e) => e.eventId),
      entries.map((e) => e.eventType),
      entries.map((e) => e.topic),
      entries.map((e) => e.partition),
      entries.map((e) => e.offset),
    ],
  });
  return new Set(r.rows.map((row) => row.event_id as string));
}
