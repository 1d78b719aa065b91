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
 * Folds events into their orders' rows. Commutative and associative, because the events of one order arrive on
 * different topics in no guaranteed order: the earliest stamp wins, counters add, the first known amount stays, and
 * of two failure reasons the smaller is kept (deterministic, whichever came first). Facts of the same order are
 * combined here by the same rules first (one statement may not update a row twice); rows are written in order id
 * order, so concurrent batches lock them in one order and cannot deadlock.
 */
export async function foldIntoOrders(tx: ClientBase, facts: readonly OrderFact[]): Promise<StageLatency[]> {
  const latencies: StageLatency[] = [];
  const byStamp = new Map<StampName | undefined, Map<string, Folded>>();
  for (const f of facts) {
    const orders = byStamp.get(f.stamp) ?? new Map<string, Folded>();
    byStamp.set(f.stamp, orders);
    const seen = orders.get(f.orderId);
    orders.set(f.orderId, seen ? combine(seen, f) : folded(f));
  }
  for (const [stamp, orders] of byStamp) {
    const rows = [...orders.values()].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    const column = stamp ? STAMP_COLUMN[stamp] : undefined;
    // The stage's time since creation comes back from the same statement (no extra read) once both are known.
    const since = column && stamp !== 'created';
    const r = await tx.query(
      `INSERT INTO orders (order_id, currency, total_minor, notified_count, failure_reason, last_event_at${column ? `, ${column}` : ''})
       SELECT f.order_id, f.currency, f.total_minor, f.notified_count, f.failure_reason, to_timestamp(f.last_at / 1000.0)
              ${column ? ', to_timestamp(f.first_at / 1000.0)' : ''}
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::float8[], $7::float8[])
            AS f(order_id, currency, total_minor, notified_count, failure_reason, first_at, last_at)
       ON CONFLICT (order_id) DO UPDATE SET
         currency       = COALESCE(orders.currency, EXCLUDED.currency),
         total_minor    = COALESCE(orders.total_minor, EXCLUDED.total_minor),
         notified_count = orders.notified_count + EXCLUDED.notified_count,
         failure_reason = LEAST(orders.failure_reason COLLATE "C", EXCLUDED.failure_reason COLLATE "C"),
         last_event_at  = GREATEST(orders.last_event_at, EXCLUDED.last_event_at)
         ${column ? `, ${column} = LEAST(orders.${column}, EXCLUDED.${column})` : ''}
       ${since ? `RETURNING extract(epoch FROM orders.${column} - orders.created_at)::float8 AS seconds` : ''}`,
      [
        rows.map((r) => r.orderId),
        rows.map((r) => r.currency),
        rows.map((r) => r.totalMinor),
        rows.map((r) => r.notifiedCount),
        rows.map((r) => r.failureReason),
        rows.map((r) => r.firstAt),
        rows.map((r) => r.lastAt),
      ],
    );
    if (since && stamp) {
      for (const row of r.rows as { seconds: number | null }[]) {
        if (row.seconds !== null) latencies.push({ stage: stamp, seconds: row.seconds });
      }
    }
  }
  return latencies;
}

/** Time from an order's creation to one of its later stages (both as the events say they happened). */
export interface StageLatency {
  stage: StampName;
  seconds: number;
}

/** Facts of one order (and one stamp) combined, as the upsert would apply them one after another. */
interface Folded {
  orderId: string;
  currency: string | null;
  totalMinor: number | null;
  notifiedCount: number;
  failureReason: string | null;
  firstAt: number;
  lastAt: number;
}

function folded(f: OrderFact): Folded {
  return {
    orderId: f.orderId,
    currency: f.currency ?? null,
    totalMinor: f.totalMinor ?? null,
    notifiedCount: f.notified ? 1 : 0,
    failureReason: f.failureReason ?? null,
    firstAt: f.at,
    lastAt: f.at,
  };
}

function combine(a: Folded, f: OrderFact): Folded {
  const reason = f.failureReason ?? null;
  return {
    orderId: a.orderId,
    currency: a.currency ?? f.currency ?? null,
    totalMinor: a.totalMinor ?? f.totalMinor ?? null,
    notifiedCount: a.notifiedCount + (f.notified ? 1 : 0),
    failureReason:
      a.failureReason === null ? reason : reason === null ? a.failureReason : least(a.failureReason, reason),
    firstAt: Math.min(a.firstAt, f.at),
    lastAt: Math.max(a.lastAt, f.at),
  };
}

/** Byte order, as the upsert's LEAST(... COLLATE "C"), whatever the database's collation (reasons are ASCII codes). */
const least = (x: string, y: string) => (x <= y ? x : y);

export interface OrderState {
  orderId: string;
  currency: string | null;
  totalMinor: number | null;
  failureReason: string | null;
  notifiedCount: number;
  stamps: Stamps;
}

export async function findOrder(pool: Pool | ClientBase, orderId: string): Promise<OrderState | undefined> {
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
