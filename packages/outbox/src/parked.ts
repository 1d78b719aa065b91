import type { Pool } from 'pg';
import { ident } from './sql';

/** An outbox row the broker refused for good, set aside by the relay (see OutboxRelay). */
export interface ParkedRow {
  id: string;
  topic: string;
  key: string | null;
  eventId: string;
  eventType: string;
  bytes: number;
  createdAt: string;
  parkedAt: string;
  reason: string;
  /** Rows of the same key behind it, held back to keep the key's order. */
  heldBehind: number;
}

/** Parked rows of a service's outbox (not yet discarded), oldest first. */
export async function listParked(pool: Pool, schema: string): Promise<ParkedRow[]> {
  const s = ident(schema);
  const r = await pool.query(
    `SELECT p.id::text, p.topic, p.message_key, p.event_id, p.event_type, octet_length(p.payload) AS bytes,
            p.created_at, p.parked_at, p.park_reason,
            (SELECT count(*)::int FROM ${s}.outbox h WHERE h.published_at IS NULL AND h.parked_at IS NULL
              AND h.message_key = p.message_key AND h.id > p.id) AS held
     FROM ${s}.outbox p
     WHERE p.published_at IS NULL AND p.parked_at IS NOT NULL AND p.discarded_at IS NULL ORDER BY p.id`,
  );
  return r.rows.map((row) => ({
    id: row.id as string,
    topic: row.topic as string,
    key: row.message_key as string | null,
    eventId: row.event_id as string,
    eventType: row.event_type as string,
    bytes: row.bytes as number,
    createdAt: (row.created_at as Date).toISOString(),
    parkedAt: (row.parked_at as Date).toISOString(),
    reason: row.park_reason as string,
    heldBehind: row.held as number,
  }));
}

/**
 * Puts a parked row back in line (after the cause is fixed, e.g. the topic's max.message.bytes raised): the relay
 * publishes it, then the rows held behind it. Returns whether a parked row with that id existed.
 */
export async function retryParked(pool: Pool, schema: string, id: string): Promise<boolean> {
  const r = await pool.query(
    `UPDATE ${ident(schema)}.outbox SET parked_at = NULL, park_reason = NULL
     WHERE id = $1 AND published_at IS NULL AND parked_at IS NOT NULL AND discarded_at IS NULL`,
    [id],
  );
  return r.rowCount === 1;
}

/**
 * Gives a parked row up for good: it is never published (kept for audit until the retention cleanup), and the
 * rows held behind it flow again. Returns whether a parked row with that id existed.
 */
export async function discardParked(pool: Pool, schema: string, id: string): Promise<boolean> {
  const r = await pool.query(
    `UPDATE ${ident(schema)}.outbox SET discarded_at = now()
     WHERE id = $1 AND published_at IS NULL AND parked_at IS NOT NULL AND discarded_at IS NULL`,
    [id],
  );
  return r.rowCount === 1;
}
