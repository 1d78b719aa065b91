/**
 * applyDeltasIfFit, the batch path's stock write at commit, against inventory's own schema in a real PostgreSQL:
 * all the deltas or none, the SKUs that do not fit named, and the decision made on the rows as they are once locked.
 */
import path from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@orderflow/service-kit';
import { createTestDatabase, waitFor } from '@orderflow/testing';
import { withTransaction } from '@orderflow/outbox';
import { applyDeltasIfFit, seedStock, type StockDelta } from '../src/db/stock';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('inventory_stock_sql');
  const admin = new Pool({ connectionString: db.url, max: 1 });
  await admin.query('CREATE SCHEMA inventory');
  await admin.end();
  await migrate(db.url, 'inventory', path.join(__dirname, '..', 'migrations'));
  pool = new Pool({ connectionString: db.url, max: 4, options: '-c search_path=inventory' });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query('TRUNCATE stock');
  await seedStock(pool, { A: 10, B: 10, C: 1 });
  await pool.query(`UPDATE stock SET reserved = 1 WHERE sku = 'C'`);
});

const levels = async () =>
  (await pool.query('SELECT sku, on_hand, reserved FROM stock ORDER BY sku')).rows.map(
    (r) => `${r.sku}:${r.on_hand}/${r.reserved}`,
  );
const delta = (sku: string, onHand: number, reserved: number): StockDelta => ({ sku, onHand, reserved });

it('applies every delta when all fit, and returns no SKU', async () => {
  const unfit = await withTransaction(pool, (tx) => applyDeltasIfFit(tx, [delta('B', 0, 4), delta('A', -2, 0)]));
  expect(unfit).toEqual([]);
  expect(await levels()).toEqual(['A:8/0', 'B:10/4', 'C:1/1']);
});

it('applies none when one does not fit, and names each SKU that does not, sorted', async () => {
  const cases: [StockDelta[], string[]][] = [
    [[delta('A', 0, 3), delta('C', 0, 1)], ['C']], // C: 2 reserved of 1 on hand
    [[delta('B', -11, 0), delta('A', 0, 1)], ['B']], // B: negative on hand
    [[delta('A', 0, -1)], ['A']], // A: negative reserved
    [
      [delta('Z', 0, 1), delta('C', -1, 0), delta('A', 0, 1)],
      ['C', 'Z'],
    ], // Z: no such SKU
  ];
  for (const [deltas, expected] of cases) {
    expect(await withTransaction(pool, (tx) => applyDeltasIfFit(tx, deltas))).toEqual(expected);
    expect(await levels()).toEqual(['A:10/0', 'B:10/0', 'C:1/1']);
  }
});

it('decides on the rows as they are once locked: a change committed while it waits makes it unfit', async () => {
  const other = await pool.connect();
  try {
    const pid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    await other.query('BEGIN');
    await other.query(`UPDATE stock SET on_hand = 3 WHERE sku = 'A'`); // a stock count, not committed yet
    const pending = withTransaction(pool, (tx) => applyDeltasIfFit(tx, [delta('B', 0, 1), delta('A', 0, 5)]));
    await waitFor(
      async () =>
        (
          await pool.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [
            pid,
          ])
        ).rows[0].n > 0,
      { description: 'the write waiting for the row lock', timeoutMs: 10000 },
    );
    await other.query('COMMIT');
    // 5 reserved fitted the 10 on hand it could have read before; not the 3 it finds once it holds the lock.
    expect(await pending).toEqual(['A']);
    expect(await levels()).toEqual(['A:3/0', 'B:10/0', 'C:1/1']);
  } finally {
    await other.query('ROLLBACK').catch(() => undefined);
    other.release();
  }
});
