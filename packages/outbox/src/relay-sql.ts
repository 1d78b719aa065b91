import type { Lease } from './lease';
import { ident } from './sql';

/** The relay's statements on its lease session, built once per relay (their text never changes). */
export interface RelayStatements {
  /** Unpublished rows in id order, none behind a parked row of its key. `$1`: the batch size. */
  select: string;
  /** Moves rows out (see move below) and counts them as `marked`. `$1`: the ids; `$2`, `$3`: the lease. */
  mark: string;
  /**
   * mark, then select in the same statement. The select reads the snapshot from before the move, so it leaves the
   * moved ids out; the count of moved rows comes on every row, and on a row of nulls when nothing new is there.
   * `$1`: the batch size; `$2`, `$3`: the lease; `$4`: the ids.
   */
  markAndSelect: string;
  /** Parks a row the broker refused for good. `$1`: its id; `$2`: the reason; `$3`, `$4`: the lease. */
  park: string;
}

export function relayStatements(schema: string, lease: Lease): RelayStatements {
  const o = ident(schema);
  const select = (
    extraFilter: string,
  ) => `SELECT id, topic, message_key, payload, headers, created_at FROM ${o}.outbox r
       WHERE published_at IS NULL AND parked_at IS NULL${extraFilter}
         AND NOT EXISTS (SELECT 1 FROM ${o}.outbox p
                         WHERE p.published_at IS NULL AND p.parked_at IS NOT NULL AND p.discarded_at IS NULL
                           AND p.message_key = r.message_key AND p.id < r.id)
       ORDER BY id LIMIT $1`;
  // Moves rows out of the outbox into outbox_published (their identity and publication time; see migration 5),
  // fenced by the lease: if it was lost, nothing moves.
  const move = (ids: string) => `published AS (
         DELETE FROM ${o}.outbox WHERE id = ANY(${ids}::bigint[]) AND ${lease.fence('$2', '$3')}
         RETURNING id, event_id, event_type, topic, message_key, created_at),
       moved AS (
         INSERT INTO ${o}.outbox_published (id, event_id, event_type, topic, message_key, created_at, published_at)
         SELECT id, event_id, event_type, topic, message_key, created_at, now() FROM published RETURNING 1)`;
  return {
    select: select(''),
    mark: `WITH ${move('$1')} SELECT count(*)::int AS marked FROM moved`,
    markAndSelect: `WITH ${move('$4')}
       SELECT m.marked, n.* FROM (SELECT count(*)::int AS marked FROM moved) m
       LEFT JOIN LATERAL (${select(' AND id <> ALL($4::bigint[])')}) n ON true`,
    park: `UPDATE ${o}.outbox SET parked_at = now(), park_reason = $2
       WHERE id = $1 AND published_at IS NULL AND ${lease.fence('$3', '$4')}`,
  };
}

/**
 * One row: `pending` (unpublished, not parked), `age` of the oldest pending row in ms, and `parked` (refused by the
 * broker, not discarded) of `schema`'s outbox. The published rows kept for audit are in outbox_published, never
 * scanned here, so it costs the same with an hour of history as with none. With `cap`, pending and parked are
 * counted up to `cap` each, and the age is that of the oldest of the first `cap` pending rows in id order: for a
 * caller that asks often and needs only zero or an idea (the benchmark's end condition), so that a large backlog is
 * not counted whole on every look.
 */
export function backlogQuery(schema: string, cap?: number): string {
  const o = ident(schema);
  const pending = 'published_at IS NULL AND parked_at IS NULL';
  const parked = 'published_at IS NULL AND parked_at IS NOT NULL AND discarded_at IS NULL';
  const rows = (where: string) =>
    cap === undefined
      ? `${o}.outbox WHERE ${where}`
      : `(SELECT created_at FROM ${o}.outbox WHERE ${where} ORDER BY id LIMIT ${Math.max(1, Math.floor(cap))}) c`;
  return `SELECT p.pending, p.age, (SELECT count(*)::int FROM ${rows(parked)}) AS parked
          FROM (SELECT count(*)::int AS pending,
                       coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::float8 AS age
                FROM ${rows(pending)}) p`;
}
