import type { ClientBase, Pool } from 'pg';
import type { IoOrderflowCommon } from '@orderflow/contracts';

export interface Shipment {
  orderId: string;
  shipmentId: string;
  status: 'CREATED' | 'FAILED';
  carrier: string | null;
  trackingNumber: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  address: IoOrderflowCommon.Address;
  lines: IoOrderflowCommon.OrderLine[];
  createdAt: number;
}

/**
 * Records the shipment of an order that has none yet. Returns false when the order already has one: a second
 * payment for the same order is not a second parcel, whatever its event id.
 */
export async function recordShipment(tx: ClientBase, s: Shipment): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO shipments (order_id, shipment_id, status, carrier, tracking_number, failure_code, failure_message,
                            address, lines, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, to_timestamp($10 / 1000.0))
     ON CONFLICT (order_id) DO NOTHING`,
    [
      s.orderId,
      s.shipmentId,
      s.status,
      s.carrier,
      s.trackingNumber,
      s.failureCode,
      s.failureMessage,
      JSON.stringify(s.address),
      JSON.stringify(s.lines),
      s.createdAt,
    ],
  );
  return r.rowCount === 1;
}

export async function findShipment(pool: Pool, orderId: string) {
  const r = await pool.query(
    `SELECT order_id, shipment_id, status, carrier, tracking_number, failure_code, failure_message, address, lines,
            created_at
     FROM shipments WHERE order_id = $1`,
    [orderId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    orderId: row.order_id as string,
    shipmentId: row.shipment_id as string,
    status: row.status as Shipment['status'],
    carrier: row.carrier as string | null,
    trackingNumber: row.tracking_number as string | null,
    failureCode: row.failure_code as string | null,
    failureMessage: row.failure_message as string | null,
    address: row.address as Shipment['address'],
    lines: row.lines as Shipment['lines'],
    createdAt: (row.created_at as Date).toISOString(),
  };
}

/** Records that an order must not ship (its reservation expired); false if it was recorded already. */
export async function cancelOrder(tx: ClientBase, orderId: string, reason: string, eventId: string): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO cancelled_orders (order_id, reason, event_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [orderId, reason, eventId],
  );
  return r.rowCount === 1;
}

export async function isCancelled(tx: ClientBase, orderId: string): Promise<boolean> {
  return ((await tx.query('SELECT 1 FROM cancelled_orders WHERE order_id = $1', [orderId])).rowCount ?? 0) > 0;
}
