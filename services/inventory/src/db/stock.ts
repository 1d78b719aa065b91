import type { ClientBase, Pool } from 'pg';
import type { StockLevel } from '../domain/reservation';

const toLevel = (row: { sku: string; on_hand: number; reserved: number }): StockLevel => ({
  sku: row.sku,
  onHand: row.on_hand,
  reserved: row.reserved,
});

/**
 * Locks the stock rows of `skus` until the transaction ends and returns them; unknown SKUs are simply absent.
 * Rows are locked in SKU order, the same order in every transaction, so concurrent orders never deadlock.
 */
export async function lockStock(tx: ClientBase, skus: readonly string[]): Promise<StockLevel[]> {
  const r = await tx.query(
    'SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE',
    [skus],
  );
  return r.rows.map(toLevel);
}

/** The current rows of `skus`, without locks (unknown SKUs are absent). */
export async function readStock(tx: ClientBase, skus: readonly string[]): Promise<StockLevel[]> {
  const r = await tx.query('SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku', [skus]);
  return r.rows.map(toLevel);
}

/** A change of one SKU's figures, applied to whatever the row holds. */
export interface StockDelta {
  sku: string;
  onHand: number;
  reserved: number;
}

/**
 * Moves locked rows (`from`, as lockStock returned them in this transaction) to the levels the domain computed. The
 * change is applied as a delta, so that even a row changed behind our back could only trip the CHECK constraints,
 * never lose an update.
 */
export async function applyLevels(
  tx: ClientBase,
  from: readonly StockLevel[],
  to: readonly StockLevel[],
): Promise<void> {
  await applyDeltas(tx, deltasBetween(from, to));
}

/** What takes `from` to `to`, per SKU of `to` (each must be in `from`). */
export function deltasBetween(from: readonly StockLevel[], to: readonly StockLevel[]): StockDelta[] {
  const before = new Map(from.map((l) => [l.sku, l]));
  return to.map((l) => {
    const b = before.get(l.sku);
    if (!b) throw new Error(`stock of ${l.sku} was not locked`);
    return { sku: l.sku, onHand: l.onHand - b.onHand, reserved: l.reserved - b.reserved };
  });
}

/** Adds the deltas to their rows, one statement whatever their number. */
export async function applyDeltas(tx: ClientBase, deltas: readonly StockDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await tx.query(
    `UPDATE stock SET on_hand = stock.on_hand + d.on_hand_delta, reserved = stock.reserved + d.reserved_delta, updated_at = now()
     FROM unnest($1::text[], $2::int[], $3::int[]) AS d(sku, on_hand_delta, reserved_delta)
     WHERE stock.sku = d.sku`,
    [deltas.map((d) => d.sku), deltas.map((d) => d.onHand), deltas.map((d) => d.reserved)],
  );
}

/**
 * Locks the rows of `deltas` in SKU order and adds the deltas if every changed row still fits (its SKU exists, no
 * negative figure, no more reserved than on hand); otherwise changes nothing. One statement: the locks are all taken
 * (the aggregate over the locked rows runs to its end) before the update may touch a row. Returns the SKUs that do
 * not fit, sorted; empty when the deltas were applied.
 */
export async function applyDeltasIfFit(tx: ClientBase, deltas: readonly StockDelta[]): Promise<string[]> {
  if (deltas.length === 0) return [];
  const r = await tx.query<{ unfit: string[] }>({
    name: 'stock-apply-if-fit',
    text: `WITH d AS (
         SELECT * FROM unnest($1::text[], $2::int[], $3::int[]) AS d(sku, on_hand_delta, reserved_delta)
       ), locked AS MATERIALIZED (
         SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE
       ), unfit AS MATERIALIZED (
         SELECT coalesce(array_agg(d.sku ORDER BY d.sku), '{}') AS skus
         FROM d LEFT JOIN locked l ON l.sku = d.sku
         WHERE l.sku IS NULL
            OR l.on_hand + d.on_hand_delta < 0
            OR l.reserved + d.reserved_delta < 0
            OR l.reserved + d.reserved_delta > l.on_hand + d.on_hand_delta
       ), applied AS (
         UPDATE stock SET on_hand = stock.on_hand + d.on_hand_delta, reserved = stock.reserved + d.reserved_delta,
                          updated_at = now()
         FROM d, unfit WHERE stock.sku = d.sku AND cardinality(unfit.skus) = 0
         RETURNING stock.sku
       )
       SELECT unfit.skus AS unfit, (SELECT count(*) FROM applied)::int AS applied FROM unfit`,
    values: [deltas.map((d) => d.sku), deltas.map((d) => d.onHand), deltas.map((d) => d.reserved)],
  });
  return r.rows[0]!.unfit;
}

export async function findStock(pool: Pool, sku: string): Promise<StockLevel | undefined> {
  const r = await pool.query('SELECT sku, on_hand, reserved FROM stock WHERE sku = $1', [sku]);
  return r.rows[0] ? toLevel(r.rows[0]) : undefined;
}

/**
 * Sets the units on hand of a SKU, creating it if new. Returns undefined (and changes nothing) when more units are
 * reserved than the new figure: reservations are promises to customers and are not taken back by a stock count.
 */
export async function setOnHand(pool: Pool, sku: string, onHand: number): Promise<StockLevel | undefined> {
  const r = await pool.query(
    `INSERT INTO stock (sku, on_hand) VALUES ($1, $2)
     ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, updated_at = now() WHERE stock.reserved <= EXCLUDED.on_hand
     RETURNING sku, on_hand, reserved`,
    [sku, onHand],
  );
  return r.rows[0] ? toLevel(r.rows[0]) : undefined;
}

/** Creates stock for SKUs not yet known; known SKUs keep their figures. Returns the SKUs created. */
export async function seedStock(db: Pick<Pool, 'query'>, seed: Readonly<Record<string, number>>): Promise<string[]> {
  const skus = Object.keys(seed);
  if (skus.length === 0) return [];
  const r = await db.query(
    `INSERT INTO stock (sku, on_hand) SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (sku) DO NOTHING RETURNING sku`,
    [skus, skus.map((s) => seed[s])],
  );
  return r.rows.map((row: { sku: string }) => row.sku).sort();
}

/** Units reserved across all SKUs (for /metrics). */
export async function totalReserved(pool: Pool): Promise<number> {
  const r = await pool.query('SELECT coalesce(sum(reserved), 0)::bigint AS total FROM stock');
  return Number(r.rows[0].total);
}
