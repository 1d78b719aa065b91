/**
 * A connection terminated by the server while a transaction holds it between two queries (pg_terminate_backend,
 * a failover) must fail that transaction, not the process: pg-pool takes its error listener off a lent-out client,
 * so without one of our own the 'error' event is uncaught and kills the service (found by the chaos suite).
 */
import { Client } from 'pg';
import { createPool } from '@orderflow/service-kit';
import { createTestDatabase, waitFor } from '@orderflow/testing';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase('pool');
});
afterAll(() => db.drop());

it('a lent-out connection terminated between two queries fails its transaction and the pool recovers', async () => {
  const pool = createPool(db.url, 2, 'pool-terminated-test');
  const uncaught: Error[] = [];
  const onUncaught = (e: Error) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const c = await pool.connect();
    await c.query('BEGIN');
    const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await admin.end();
    // The server's notice arrives while no query runs on the client: that is the moment that used to crash.
    await new Promise((r) => setTimeout(r, 300));
    const failed = await c.query('SELECT 1').then(
      () => undefined,
      (e: Error) => e,
    );
    c.release(failed);
    expect(failed).toBeInstanceOf(Error);
    await waitFor(async () => (await pool.query('SELECT 1 AS one')).rows[0].one === 1, { description: 'the pool' });
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
    await pool.end();
  }
});
