import type { ClientBase, Pool } from 'pg';
import type { StockLine } from '../domain/reservation';

export type ReservationStatus = 'RESERVED' | 'RELEASED' | 'SHIPPED';

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

export async function insertReservation(tx: ClientBase, r: Omit<Reservation, 'status'>): Promise<void> {
  await tx.query(
    `INSERT INTO reservations (order_id, reservation_id, status, lines) VALUES ($1, $2, 'RESERVED', $3::jsonb)`,
    [r.orderId, r.reservationId, JSON.stringify(r.lines)],
  );
}

export async function setReservationStatus(tx: ClientBase, orderId: string, status: ReservationStatus): Promise<void> {
  await tx.query('UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = $1', [orderId, status]);
}

export async function findReservation(pool: Pool, orderId: string): Promise<Reservation | undefined> {
  const r = await pool.query(`SELECT ${COLUMNS} FROM reservations WHERE order_id = $1`, [orderId]);
  return r.rows[0] ? toReservation(r.rows[0]) : undefined;
}
