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
 * Records the shipments of orders that have none yet, in one statement; returns the order ids recorded. An order that
 * already has one is left as it is: a second payment for the same order is not a second parcel, whatever its event
 * id. Order ids are distinct.
 */
export async function recordShipments(tx: ClientBase, shipments: readonly Shipment[]): Promise<Set<string>> {
  if (shipments.length === 0) return new Set();
  const col = <K extends keyof Shipment>(k: K) => shipments.map((s) => s[k]);
  const r = await tx.query<{ order_id: string }>(
    `INSERT INTO shipments (order_id, shipment_id, status, carrier, tracking_number, failure_code, failure_message,
                            address, lines, created_at)
     SELECT s.order_id, s.shipment_id, s.status, s.carrier, s.tracking_number, s.failure_code, s.failure_message,
            s.address::jsonb, s.lines::jsonb, to_timestamp(s.created_at / 1000.0)
     FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::bigint[])
          AS s(order_id, shipment_id, status, carrier, tracking_number, failure_code, failure_message, address, lines,
               created_at)
     ON CONFLICT (order_id) DO NOTHING
     RETURNING order_id`,
    [
      col('orderId'),
      col('shipmentId'),
      col('status'),
      col('carrier'),
      col('trackingNumber'),
      col('failureCode'),
      col('failureMessage'),
      shipments.map((s) => JSON.stringify(s.address)),
      shipments.map((s) => JSON.stringify(s.lines)),
      col('createdAt'),
    ],
  );
  return new Set(r.rows.map((row) => row.order_id));
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

/**
 * Records that orders must not ship (their reservations expired), in one statement; returns the order ids that were
 * not recorded already. Order ids are distinct.
 */
export async function cancelOrders(
  tx: ClientBase,
  orders: readonly { orderId: string; reason: string; eventId: string }[],
): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const r = await tx.query<{ order_id: string }>(
    `INSERT INTO cancelled_orders (order_id, reason, event_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT DO NOTHING
     RETURNING order_id`,
    [orders.map((o) => o.orderId), orders.map((o) => o.reason), orders.map((o) => o.eventId)],
  );
  return new Set(r.rows.map((row) => row.order_id));
}

/** Which of the orders must not ship: one statement for a whole batch. */
export async function cancelledAmong(tx: ClientBase, orderIds: readonly string[]): Promise<Set<string>> {
  const r = await tx.query<{ order_id: string }>(
    'SELECT order_id FROM cancelled_orders WHERE order_id = ANY($1::text[])',
    [orderIds],
  );
  return new Set(r.rows.map((row) => row.order_id));
}
