import type { ClientBase, Pool } from 'pg';
import type { StockLine } from '../domain/reservation';

export type ReservationStatus = 'RESERVED' | 'PAID' | 'RELEASED' | 'SHIPPED' | 'EXPIRED';

/** Statuses in which the units are still held in `reserved`. */
export const HELD: readonly ReservationStatus[] = ['RESERVED', 'PAID'];

export interface Reservation {
  orderId: string;
  reservationId: string;
  status: ReservationStatus;
  lines: StockLine[];
}

const COLUMNS = 'order_id, reservation_id, status, lines';

const toReservation = (row: {
  order_id: string;
  reservation_id: string;
  status: ReservationStatus;
  lines: StockLine[];
}) => ({
  orderId: row.order_id,
  reservationId: row.reservation_id,
  status: row.status,
  lines: row.lines,
});

/** The order's reservation, locked until the transaction ends (so a release and a shipment cannot interleave). */
export async function lockReservation(tx: ClientBase, orderId: string): Promise<Reservation | undefined> {
  const r = await tx.query(`SELECT ${COLUMNS} FROM reservations WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return r.rows[0] ? toReservation(r.rows[0]) : undefined;
}

export async function insertReservation(
  tx: ClientBase,
  r: Omit<Reservation, 'status'>,
  cause: { eventId: string; correlationId: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO reservations (order_id, reservation_id, status, lines, cause_event_id, correlation_id)
     VALUES ($1, $2, 'RESERVED', $3::jsonb, $4, $5)`,
    [r.orderId, r.reservationId, JSON.stringify(r.lines), cause.eventId, cause.correlationId],
  );
}

/** A reservation past its payment deadline, locked, with what caused it (for the release event's metadata). */
export interface Overdue extends Reservation {
  causeEventId: string | null;
  correlationId: string | null;
}

/**
 * Locks up to `limit` RESERVED reservations older than `deadlineMs` (no payment outcome yet). SKIP LOCKED: one
 * that a handler is working on right now is left to it (and looked at again in the next sweep).
 */
export async function lockOverdue(tx: ClientBase, deadlineMs: number, limit: number): Promise<Overdue[]> {
  const r = await tx.query(
    `SELECT ${COLUMNS}, cause_event_id, correlation_id FROM reservations
     WHERE status = 'RESERVED' AND created_at < now() - make_interval(secs => $1)
     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [deadlineMs / 1000, limit],
  );
  return r.rows.map((row) => ({
    ...toReservation(row),
    causeEventId: row.cause_event_id as string | null,
    correlationId: row.correlation_id as string | null,
  }));
}

/** Order ids of up to `limit` RESERVED reservations older than `deadlineMs`, oldest first (no locks). */
export async function findOverdue(tx: ClientBase, deadlineMs: number, limit: number): Promise<string[]> {
  const r = await tx.query(
    `SELECT order_id FROM reservations WHERE status = 'RESERVED' AND created_at < now() - make_interval(secs => $1)
     ORDER BY created_at LIMIT $2`,
    [deadlineMs / 1000, limit],
  );
  return r.rows.map((row) => row.order_id as string);
}

/** Reservations still waiting for a payment outcome, and the age of the oldest (for metrics). */
export async function awaitingPayment(pool: Pool): Promise<{ count: number; oldestAgeMs: number }> {
  const r = await pool.query(
    `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::float8 AS age
     FROM reservations WHERE status = 'RESERVED'`,
  );
  return { count: r.rows[0].n, oldestAgeMs: Math.round(r.rows[0].age) };
}

export async function setReservationStatus(tx: ClientBase, orderId: string, status: ReservationStatus): Promise<void> {
  await tx.query('UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = $1', [orderId, status]);
}

export async function findReservation(pool: Pool, orderId: string): Promise<Reservation | undefined> {
  const r = await pool.query(`SELECT ${COLUMNS} FROM reservations WHERE order_id = $1`, [orderId]);
  return r.rows[0] ? toReservation(r.rows[0]) : undefined;
}
