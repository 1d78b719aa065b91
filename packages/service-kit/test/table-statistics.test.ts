/**
 * A queue table created empty and filled afterwards has no statistics until something analyzes it; where autovacuum
 * is off (or late) that is never, and a claim planned for "about ten rows" reads and sorts every pending row to take
 * twenty. The service's statistics task analyzes its own tables that changed enough, after which the claim walks
 * the due index and stops.
 */
import { Client, type Pool } from 'pg';
import { analyzeStaleTables, autovacuumRuns, createPool, vacuumDeadTables } from '@orderflow/service-kit';
import { createTestDatabase, waitFor } from '@orderflow/testing';

const SCHEMA = 'stats_test';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: Client;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('stats');
  admin = new Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  await admin.query(`CREATE TABLE ${SCHEMA}.queue (
    id bigserial PRIMARY KEY, status text NOT NULL, due_at timestamptz NOT NULL, claimed_until timestamptz, body text)`);
  await admin.query(`CREATE INDEX queue_due ON ${SCHEMA}.queue (due_at) WHERE status = 'PENDING'`);
  pool = createPool(db.url, 2, 'stats-test', SCHEMA);
});
afterAll(async () => {
  await pool?.end();
  await admin?.end();
  await db?.drop();
});

/** Runs `sql` in a session of its own: a session reports its table counters when it ends (or goes on working). */
async function inOwnSession(sql: string): Promise<void> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The plan of the claim's row selection (as notification's claimDue selects). */
async function claimPlan(): Promise<string> {
  const r = await pool.query(`EXPLAIN SELECT id FROM queue
    WHERE status = 'PENDING' AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
    ORDER BY due_at LIMIT 20 FOR UPDATE SKIP LOCKED`);
  return r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
}

it('analyzes a table that grew since it was created, after which the claim walks the index instead of sorting', async () => {
  await inOwnSession(`INSERT INTO ${SCHEMA}.queue (status, due_at, body)
    SELECT 'PENDING', now() - make_interval(secs => g), repeat('x', 200) FROM generate_series(1, 20000) g`);
  // (control) planned for the table as created: every pending row fetched and sorted
  expect(await claimPlan()).toMatch(/Sort/);

  // The counters reach the cumulative statistics view asynchronously: wait for the task to see the change.
  let analyzed: string[] = [];
  await waitFor(async () => (analyzed = await analyzeStaleTables(pool, SCHEMA)).length > 0, {
    timeoutMs: 10000,
    intervalMs: 250,
    description: 'the grown table to be found stale',
  });
  expect(analyzed).toEqual(['queue']);
  const plan = await claimPlan();
  expect(plan).toMatch(/Index Scan using queue_due/);
  expect(plan).not.toMatch(/Sort/);

  // Analyzed tables are left alone until they change by more than autovacuum's threshold (50 rows + 10 %).
  expect(await analyzeStaleTables(pool, SCHEMA)).toEqual([]);
  await inOwnSession(`UPDATE ${SCHEMA}.queue SET status = 'SENT' WHERE id <= 100`);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await analyzeStaleTables(pool, SCHEMA)).toEqual([]);
});

/**
 * Heap rows an index-only count of `schema`'s pending rows had to fetch: every dead entry of the partial index is
 * one. The table is named with its schema: the pool may hold two sessions, and a search_path set on one is not the
 * other's. A plan without an index-only scan fails with the plan, so that a failure says which plan it was.
 */
async function pendingCountHeapFetches(schema: string): Promise<number> {
  const r = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON)
    SELECT count(*) FROM (SELECT 1 FROM ${schema}.queue WHERE status = 'PENDING' ORDER BY due_at LIMIT 100000) p`);
  const plan = (r.rows[0] as { 'QUERY PLAN': { Plan: Record<string, unknown> }[] })['QUERY PLAN'][0]!.Plan;
  const find = (node: Record<string, unknown>): number | undefined =>
    (node['Heap Fetches'] as number | undefined) ??
    ((node.Plans as Record<string, unknown>[] | undefined) ?? []).map(find).find((v) => v !== undefined);
  const fetches = find(plan);
  if (fetches === undefined) throw new Error(`no index-only scan in the count's plan: ${JSON.stringify(plan)}`);
  return fetches;
}

it('vacuums a queue table whose sent rows left dead entries in its pending index, after which a count reads none of them', async () => {
  const schema = 'vacuum_test';
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.queue (
    id bigserial PRIMARY KEY, status text NOT NULL, due_at timestamptz NOT NULL, body text)
    WITH (autovacuum_enabled = false)`); // where the cluster runs autovacuum: it must not get there first
  await admin.query(`CREATE INDEX queue_due ON ${schema}.queue (due_at) WHERE status = 'PENDING'`);
  const vacuumed = async () => (await vacuumDeadTables(pool, schema)).includes('queue');
  await inOwnSession(`INSERT INTO ${schema}.queue (status, due_at, body)
    SELECT 'PENDING', now() - make_interval(secs => g), repeat('x', 200) FROM generate_series(1, 5000) g`);
  await waitFor(vacuumed, { timeoutMs: 10000, intervalMs: 250, description: 'the filled table vacuumed (inserts)' });
  // Below the threshold (50 rows + 20 %): left alone.
  await inOwnSession(`UPDATE ${schema}.queue SET status = 'SENT' WHERE id <= 100`);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await vacuumDeadTables(pool, schema)).toEqual([]);

  // Most of the queue sent: (control) a count of the 400 pending rows fetches every dead entry's row.
  await inOwnSession(`UPDATE ${schema}.queue SET status = 'SENT' WHERE id > 100 AND id <= 4600`);
  expect(await pendingCountHeapFetches(schema)).toBeGreaterThanOrEqual(4500);

  await waitFor(vacuumed, { timeoutMs: 10000, intervalMs: 250, description: 'the table with dead rows vacuumed' });
  expect(await pendingCountHeapFetches(schema)).toBe(0);
  expect(await vacuumDeadTables(pool, schema)).toEqual([]);
});

it('knows whether the cluster runs autovacuum', async () => {
  const setting = (await admin.query(`SHOW autovacuum`)).rows[0].autovacuum as string;
  const counts = (await admin.query(`SHOW track_counts`)).rows[0].track_counts as string;
  expect(await autovacuumRuns(pool)).toBe(setting === 'on' && counts === 'on');
});
