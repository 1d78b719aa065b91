import type { ClientBase, Pool } from 'pg';
import { STAMPS, type StampName, type Stamps } from '../domain/journey';

/** The column of each stage stamp (a fixed set: column names never come from input). */
export const STAMP_COLUMN: Record<StampName, string> = {
  created: 'created_at',
  validated: 'validated_at',
  rejected: 'rejected_at',
  reserved: 'reserved_at',
  inventoryRejected: 'inventory_rejected_at',
  paid: 'paid_at',
  paymentFailed: 'payment_failed_at',
  fulfilled: 'fulfilled_at',
  fulfillmentFailed: 'fulfillment_failed_at',
  released: 'released_at',
  refunded: 'refunded_at',
};

export interface OrderFact {
  orderId: string;
  /** When the event happened (UTC epoch ms). */
  at: number;
  stamp?: StampName | undefined;
  currency?: string | undefined;
  totalMinor?: number | undefined;
  failureReason?: string | undefined;
  notified?: boolean | undefined;
}

/**
 * Folds one event into its order's row. Commutative and associative, because the events of one order arrive on
 * different topics in no guaranteed order: the earliest stamp wins, counters add, the first known amount stays, and
 * of two failure reasons the smaller is kept (deterministic, whichever came first).
 */
export async function foldIntoOrder(tx: ClientBase, f: OrderFact): Promise<void> {
  const column = f.stamp ? STAMP_COLUMN[f.stamp] : undefined;
  await tx.query(
    `INSERT INTO orders (order_id, currency, total_minor, notified_count, failure_reason, last_event_at${column ? `, ${column}` : ''})
     VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0)${column ? ', to_timestamp($6 / 1000.0)' : ''})
     ON CONFLICT (order_id) DO UPDATE SET
       currency       = COALESCE(orders.currency, EXCLUDED.currency),
       total_minor    = COALESCE(orders.total_minor, EXCLUDED.total_minor),
       notified_count = orders.notified_count + EXCLUDED.notified_count,
       failure_reason = LEAST(orders.failure_reason, EXCLUDED.failure_reason),
       last_event_at  = GREATEST(orders.last_event_at, EXCLUDED.last_event_at)
       ${column ? `, ${column} = LEAST(orders.${column}, EXCLUDED.${column})` : ''}`,
    [f.orderId, f.currency ?? null, f.totalMinor ?? null, f.notified ? 1 : 0, f.failureReason ?? null, f.at],
  );
}

export interface OrderState {
  orderId: string;
  currency: string | null;
  totalMinor: number | null;
  failureReason: string | null;
  notifiedCount: number;
  stamps: Stamps;
}

export async function findOrder(pool: Pool, orderId: string): Promise<OrderState | undefined> {
  const r = await pool.query(`SELECT * FROM orders WHERE order_id = $1`, [orderId]);
  const row = r.rows[0];
  if (!row) return undefined;
  const stamps: Stamps = {};
  for (const s of STAMPS) {
    const at = row[STAMP_COLUMN[s]] as Date | null;
    if (at) stamps[s] = at.getTime();
  }
  return {
    orderId: row.order_id as string,
    currency: row.currency as string | null,
    totalMinor: row.total_minor === null ? null : Number(row.total_minor),
    failureReason: row.failure_reason as string | null,
    notifiedCount: row.notified_count as number,
    stamps,
  };
}
