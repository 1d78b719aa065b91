/**
 * Payments per status for /metrics are kept as the rows change (statement triggers append each statement's net
 * change; the metrics refresh folds them into totals), instead of a count of the whole table every refresh. These
 * tests hold the folded figures to a count of the table through everything that changes it: payments there before
 * the migration, a batch of mixed outcomes, a refund, a rolled-back transaction, a delete, writers and several
 * folders (replicas) at once, and a TRUNCATE.
 */
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type Pool } from 'pg';
import { createPool, migrate } from '@orderflow/service-kit';
import { createTestDatabase } from '@orderflow/testing';
import { countByStatus } from '../src/db/payments';

const SCHEMA = 'payment';
const MIGRATIONS = path.join(__dirname, '..', 'migrations');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Client;
let pool: Pool;
let seq = 0;

/** `n` payments of `status` as one statement (a consumed batch records its payments in one INSERT). */
function insertSql(statuses: string[]): string {
  const values = statuses.map((status) => {
    seq += 1;
    const charged = status !== 'FAILED';
    return `('o-${seq}', 'p-${seq}', '${status}', 1250, 'EUR', ${charged ? `'ref-${seq}'` : 'NULL'}, 'e-${seq}', 'c',
             ${status === 'REFUNDED' ? 'now()' : 'NULL'})`;
  });
  return `INSERT INTO payment.payments (order_id, payment_id, status, amount_minor, currency, provider_reference,
            event_id, correlation_id, refunded_at) VALUES ${values.join(',')}`;
}

async function truth(): Promise<Record<'CHARGED' | 'FAILED' | 'REFUNDED', number>> {
  const r = await sql.query(`SELECT status, count(*)::int AS n FROM payment.payments GROUP BY status`);
  const counts = { CHARGED: 0, FAILED: 0, REFUNDED: 0 };
  for (const row of r.rows) counts[row.status as keyof typeof counts] = row.n;
  return counts;
}

beforeAll(async () => {
  db = await createTestDatabase('paycounts');
  sql = new Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`CREATE SCHEMA ${SCHEMA}`);
  // The migrations before the counts, then payments, then the counts' migration: it must count what was there.
  const before = mkdtempSync(path.join(tmpdir(), 'payment-migrations-'));
  for (const f of readdirSync(MIGRATIONS).filter((f) => f < '1700000000303')) {
    cpSync(path.join(MIGRATIONS, f), path.join(before, f));
  }
  await migrate(db.url, SCHEMA, before);
  await sql.query(insertSql(['CHARGED', 'CHARGED', 'FAILED', 'REFUNDED']));
  expect(await migrate(db.url, SCHEMA, MIGRATIONS)).toEqual(['1700000000303_status_counts']);
  pool = createPool(db.url, 4, 'paycounts-test', SCHEMA);
});
afterAll(async () => {
  await pool?.end();
  await sql?.end();
  await db?.drop();
});

it('counts the payments that were there before the migration', async () => {
  expect(await truth()).toEqual({ CHARGED: 2, FAILED: 1, REFUNDED: 1 });
  expect(await countByStatus(pool)).toEqual(await truth());
});

it('follows a batch of mixed outcomes, a refund, a rolled-back transaction and a delete', async () => {
  await sql.query(insertSql(['CHARGED', 'FAILED', 'CHARGED', 'FAILED', 'FAILED']));
  expect(await countByStatus(pool)).toEqual({ CHARGED: 4, FAILED: 4, REFUNDED: 1 });

  await sql.query(
    `UPDATE payment.payments SET status = 'REFUNDED', refunded_at = now()
     WHERE order_id IN (SELECT order_id FROM payment.payments WHERE status = 'CHARGED' ORDER BY order_id LIMIT 2)`,
  );
  // An update that changes no status (a refund reference written afterwards) changes no count.
  await sql.query(`UPDATE payment.payments SET refund_reference = 'r' WHERE status = 'REFUNDED'`);
  expect(await countByStatus(pool)).toEqual({ CHARGED: 2, FAILED: 4, REFUNDED: 3 });

  await sql.query('BEGIN');
  await sql.query(insertSql(['CHARGED', 'CHARGED', 'CHARGED']));
  await sql.query('ROLLBACK');
  expect(await countByStatus(pool)).toEqual({ CHARGED: 2, FAILED: 4, REFUNDED: 3 });

  await sql.query(`DELETE FROM payment.payments WHERE status = 'FAILED'`);
  expect(await countByStatus(pool)).toEqual({ CHARGED: 2, FAILED: 0, REFUNDED: 3 });
  expect(await countByStatus(pool)).toEqual(await truth());
  // Folded: nothing is left to fold, and the next refresh reads the totals alone.
  expect((await sql.query('SELECT count(*)::int AS n FROM payment.payment_status_changes')).rows[0].n).toBe(0);
});

it('stays exact with writers and several folders at once', async () => {
  const writers = Array.from({ length: 4 }, async (_, w) => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      for (let i = 0; i < 25; i++) {
        const statuses = Array.from({ length: 1 + ((i + w) % 5) }, (_, k) => (k % 3 === 0 ? 'FAILED' : 'CHARGED'));
        await c.query(insertSql(statuses));
        if (i % 5 === 4) {
          await c.query(
            `UPDATE payment.payments SET status = 'REFUNDED', refunded_at = now()
             WHERE order_id IN (SELECT order_id FROM payment.payments WHERE status = 'CHARGED' LIMIT 1
                                FOR UPDATE SKIP LOCKED)`,
          );
        }
      }
    } finally {
      await c.end();
    }
  });
  let folding = true;
  const folders = Array.from({ length: 3 }, async () => {
    let folds = 0;
    while (folding || folds === 0) {
      await countByStatus(pool);
      folds += 1;
    }
    return folds;
  });
  try {
    await Promise.all(writers);
  } finally {
    folding = false;
    await Promise.all(folders);
  }
  const expected = await truth();
  expect(expected.CHARGED + expected.FAILED + expected.REFUNDED).toBeGreaterThan(250);
  expect(await countByStatus(pool)).toEqual(expected);
});

it('starts again from zero after a TRUNCATE (which fires no row or delete trigger)', async () => {
  await sql.query(insertSql(['CHARGED', 'FAILED']));
  await sql.query('TRUNCATE payment.payments');
  expect(await countByStatus(pool)).toEqual({ CHARGED: 0, FAILED: 0, REFUNDED: 0 });
  await sql.query(insertSql(['REFUNDED']));
  expect(await countByStatus(pool)).toEqual({ CHARGED: 0, FAILED: 0, REFUNDED: 1 });
  expect(await countByStatus(pool)).toEqual(await truth());
});
