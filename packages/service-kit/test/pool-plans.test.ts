/**
 * The platform's tables start empty and grow fast. A named prepared statement that PostgreSQL switched to a generic
 * plan while its table was small (a sequential scan) kept that plan until the next ANALYZE — found in the benchmark,
 * where the outbox relay's publish mark scanned the whole outbox on every call. A service's pool plans each
 * execution for the table as it is then.
 */
import { Client } from 'pg';
import { createPool } from '@orderflow/service-kit';
import { createTestDatabase } from '@orderflow/testing';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase('plans');
  const c = new Client({ connectionString: db.url });
  await c.connect();
  await c.query('CREATE TABLE queue (id bigserial PRIMARY KEY, body text NOT NULL, done_at timestamptz)');
  await c.end();
});
afterAll(() => db.drop());

const mark = (ids: number[]) => ({
  name: 'mark',
  text: 'UPDATE queue SET done_at = now() WHERE id = ANY($1::bigint[])',
  values: [ids],
});

/** The plan the session would run the named statement with now. */
async function planOf(c: { query: Client['query'] }): Promise<string> {
  const r = await c.query(`EXPLAIN EXECUTE mark('{1,2,3}')`);
  return r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
}

async function growAfterWarmStatement(c: { query: Client['query'] }): Promise<string> {
  await c.query('TRUNCATE queue');
  // Statistics of an empty table, as a migration that indexes a new table leaves them (CREATE INDEX sets them).
  await c.query('ANALYZE queue');
  // While the table holds a page of rows, the statement runs often enough for PostgreSQL to consider a generic plan.
  await c.query(`INSERT INTO queue (body) SELECT repeat('x', 200) FROM generate_series(1, 10)`);
  // Batches of 50 ids, as the relay marks them.
  for (let i = 0; i < 10; i++) await c.query(mark(Array.from({ length: 50 }, (_, k) => i * 50 + k)));
  await c.query(`INSERT INTO queue (body) SELECT repeat('x', 200) FROM generate_series(1, 50000)`);
  return planOf(c);
}

it('a statement prepared on a small table is planned with the table grown (an index scan, not a sequential scan)', async () => {
  const pool = createPool(db.url, 1, 'pool-plans-test');
  const c = await pool.connect();
  try {
    expect((await c.query('SHOW plan_cache_mode')).rows[0].plan_cache_mode).toBe('force_custom_plan');
    const plan = await growAfterWarmStatement(c);
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/Index/);
  } finally {
    c.release();
    await pool.end();
  }
});

it('(control) a plain session keeps the generic plan it chose on the small table', async () => {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    expect(await growAfterWarmStatement(c)).toMatch(/Seq Scan/);
  } finally {
    await c.end();
  }
});
