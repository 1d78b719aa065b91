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

/**
 * The reservations of these orders, locked until the transaction ends (so a release, a payment, a shipment and the
 * deadline sweeper cannot interleave), in order-id order (the same in every transaction).
 */
export async function lockReservations(tx: ClientBase, orderIds: readonly string[]): Promise<Reservation[]> {
  const r = await tx.query(
    `SELECT ${COLUMNS} FROM reservations WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE`,
    [orderIds],
  );
  return r.rows.map(toReservation);
}

/** Which of these orders already hold a reservation (in any status). */
export async function ordersWithReservation(tx: ClientBase, orderIds: readonly string[]): Promise<Set<string>> {
  const r = await tx.query('SELECT order_id FROM reservations WHERE order_id = ANY($1::text[])', [orderIds]);
  return new Set(r.rows.map((row: { order_id: string }) => row.order_id));
}

/** A new reservation, with the event that caused it (for the metadata of a later release by the deadline). */
export interface NewReservation extends Omit<Reservation, 'status'> {
  cause: { eventId: string; correlationId: string };
}

/** Inserts RESERVED reservations, one statement whatever their number. */
export async function insertReservations(tx: ClientBase, rs: readonly NewReservation[]): Promise<void> {
  if (rs.length === 0) return;
  await tx.query(
    `INSERT INTO reservations (order_id, reservation_id, status, lines, cause_event_id, correlation_id)
     SELECT order_id, reservation_id, 'RESERVED', lines::jsonb, cause_event_id, correlation_id
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       AS r(order_id, reservation_id, lines, cause_event_id, correlation_id)`,
    [
      rs.map((r) => r.orderId),
      rs.map((r) => r.reservationId),
      rs.map((r) => JSON.stringify(r.lines)),
      rs.map((r) => r.cause.eventId),
      rs.map((r) => r.cause.correlationId),
    ],
  );
}

/** A reservation past its payment deadline, locked, with what caused it (for the release event's metadata). */
export interface Overdue extends Reservation {
  causeEventId: string | null;
  correlationId: string | null;
}

/**
 * Locks those of these reservations that are still RESERVED and older than `deadlineMs` (no payment outcome came
 * meanwhile). SKIP LOCKED: one that a handler is working on right now is left to it (and looked at again in the
 * next sweep).
 */
export async function lockOverdue(tx: ClientBase, orderIds: readonly string[], deadlineMs: number): Promise<Overdue[]> {
  const r = await tx.query(
    `SELECT ${COLUMNS}, cause_event_id, correlation_id FROM reservations
     WHERE order_id = ANY($1::text[]) AND status = 'RESERVED' AND created_at < now() - make_interval(secs => $2)
     ORDER BY order_id FOR UPDATE SKIP LOCKED`,
    [orderIds, deadlineMs / 1000],
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

/** Sets each order's reservation to its new status, one statement whatever their number (one entry per order). */
export async function setReservationStatuses(
  tx: ClientBase,
  statuses: ReadonlyMap<string, ReservationStatus>,
): Promise<void> {
  if (statuses.size === 0) return;
  await tx.query(
    `UPDATE reservations SET status = s.status, updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS s(order_id, status) WHERE reservations.order_id = s.order_id`,
    [[...statuses.keys()], [...statuses.values()]],
  );
}

/**
 * Marks the RESERVED reservations of these orders PAID (their payment deadline stops) and returns the orders it
 * marked. Rows are locked in order-id order first; one the deadline sweeper expired meanwhile stays EXPIRED.
 */
export async function markPaid(tx: ClientBase, orderIds: readonly string[]): Promise<Set<string>> {
  const r = await tx.query(
    `WITH locked AS (SELECT order_id FROM reservations WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE)
     UPDATE reservations SET status = 'PAID', updated_at = now() FROM locked
     WHERE reservations.order_id = locked.order_id AND reservations.status = 'RESERVED'
     RETURNING reservations.order_id`,
    [orderIds],
  );
  return new Set(r.rows.map((row: { order_id: string }) => row.order_id));
}

/** The status of each of these orders' reservations (orders without one are absent). */
export async function statusesOf(tx: ClientBase, orderIds: readonly string[]): Promise<Map<string, ReservationStatus>> {
  const r = await tx.query('SELECT order_id, status FROM reservations WHERE order_id = ANY($1::text[])', [orderIds]);
  return new Map(r.rows.map((row: { order_id: string; status: ReservationStatus }) => [row.order_id, row.status]));
}

export async function findReservation(pool: Pool, orderId: string): Promise<Reservation | undefined> {
  const r = await pool.query(`SELECT ${COLUMNS} FROM reservations WHERE order_id = $1`, [orderId]);
  return r.rows[0] ? toReservation(r.rows[0]) : undefined;
}
