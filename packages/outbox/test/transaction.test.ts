/**
 * withTransaction against a real PostgreSQL: the BEGIN travels with the first statement and queryAtCommit's
 * statements with the COMMIT (one round trip each, counted as the server's ReadyForQuery messages), and neither
 * changes what a transaction does: all or nothing, whichever statement fails, and the connection usable after it.
 */
import { randomUUID } from 'node:crypto';
import { Client, Pool, type PoolClient } from 'pg';
import { createTestDatabase, waitFor } from '@orderflow/testing';
import {
  appendToOutbox,
  notifyChannel,
  outboxDdl,
  queryAtCommit,
  TransactionAbortedError,
  withTransaction,
} from '@orderflow/outbox';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('outbox_tx');
  // One connection: every transaction runs on the same client, so prepared statements carry over between them.
  pool = new Pool({ connectionString: db.url, max: 1 });
  await pool.query(`CREATE TABLE t (id int PRIMARY KEY, doc jsonb, bytes bytea, at timestamptz DEFAULT now())`);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(() => pool.query('TRUNCATE t'));

const ids = async () => (await pool.query('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id as number);

/** Round trips of `fn`'s transaction: the server's ReadyForQuery messages on the transaction's connection. */
async function roundTrips<R>(fn: (tx: PoolClient) => Promise<R>, begin?: string): Promise<{ n: number; result: R }> {
  let n = 0;
  let conn: { on(e: string, f: () => void): void; off(e: string, f: () => void): void } | undefined;
  const count = () => (n += 1);
  try {
    const result = await withTransaction(
      pool,
      async (tx) => {
        conn = (tx as unknown as { connection: typeof conn }).connection;
        conn!.on('readyForQuery', count);
        return fn(tx);
      },
      begin,
    );
    return { n, result };
  } finally {
    conn?.off('readyForQuery', count);
  }
}

const insert = (id: number) => ({ name: 'tx-test-insert', text: 'INSERT INTO t (id) VALUES ($1)', values: [id] });

it('sends BEGIN with the first statement and the COMMIT with the statements queued for it', async () => {
  // The first run prepares the named statement (pg sends it alone, once per connection).
  await withTransaction(pool, (tx) => tx.query(insert(1)));
  const { n, result } = await roundTrips(async (tx) => {
    const first = await tx.query(insert(2)); // BEGIN + this
    await tx.query('INSERT INTO t (id) VALUES ($1)', [3]); // alone
    await queryAtCommit(tx, insert(4)); // + COMMIT
    await queryAtCommit(tx, { text: 'INSERT INTO t (id) VALUES ($1)', values: [5] });
    return first.rowCount;
  });
  expect(result).toBe(1);
  expect(n).toBe(3); // 6 statements, BEGIN and COMMIT included
  expect(await ids()).toEqual([1, 2, 3, 4, 5]);
});

it("returns the chained first statement's rows with the connection's type parsers", async () => {
  await pool.query(`INSERT INTO t (id, doc, bytes) VALUES (7, '{"a":[1,2]}', '\\x0102')`);
  const { n, result } = await roundTrips((tx) =>
    tx.query<{ id: number; doc: unknown; bytes: Buffer; at: Date }>(
      'SELECT id, doc, bytes, at FROM t WHERE id = ANY($1::int[])',
      [[7, 8]],
    ),
  );
  expect(n).toBe(2); // BEGIN + select, COMMIT
  expect(result.rowCount).toBe(1);
  expect(result.command).toBe('SELECT');
  expect(result.fields.map((f) => f.name)).toEqual(['id', 'doc', 'bytes', 'at']);
  const [row] = result.rows;
  expect(row!.id).toBe(7);
  expect(row!.doc).toEqual({ a: [1, 2] });
  expect(row!.bytes).toEqual(Buffer.from([1, 2]));
  expect(row!.at).toBeInstanceOf(Date);
});

it('runs a statement queued for the COMMIT after everything else of the transaction', async () => {
  await roundTrips(async (tx) => {
    await queryAtCommit(tx, { text: 'UPDATE t SET doc = $1 WHERE id = 1', values: [{ last: 'queued' }] });
    await tx.query('INSERT INTO t (id, doc) VALUES (1, $1)', [{ last: 'direct' }]);
  });
  expect((await pool.query('SELECT doc FROM t WHERE id = 1')).rows[0].doc).toEqual({ last: 'queued' });
});

it('rolls everything back when the chained first statement fails, and the connection goes on', async () => {
  await pool.query('INSERT INTO t (id) VALUES (1)');
  await expect(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [1]); // BEGIN + a duplicate key
      await tx.query('INSERT INTO t (id) VALUES ($1)', [2]);
    }),
  ).rejects.toMatchObject({ code: '23505' });
  expect(await ids()).toEqual([1]);
  await withTransaction(pool, (tx) => tx.query('INSERT INTO t (id) VALUES ($1)', [3]));
  expect(await ids()).toEqual([1, 3]);
  // Nothing left open on the connection: in a transaction left open, now() would be its start, not this statement's.
  expect((await pool.query('SELECT now() = statement_timestamp() AS outside')).rows[0].outside).toBe(true);
});

it('rolls everything back when a statement queued for the COMMIT fails; the COMMIT never runs', async () => {
  await pool.query('INSERT INTO t (id) VALUES (9)');
  await expect(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [1]);
      await queryAtCommit(tx, insert(9)); // duplicate: fails in the COMMIT's round trip
      await queryAtCommit(tx, insert(10)); // after the failure: skipped by the server
    }),
  ).rejects.toMatchObject({ code: '23505' });
  expect(await ids()).toEqual([9]);
});

it('fails the COMMIT of a transaction whose failed statement was caught, instead of reporting success', async () => {
  await expect(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [1]);
      await tx.query('SELECT 1 / $1::int', [0]).catch(() => undefined); // division by zero, ignored
    }),
  ).rejects.toBeInstanceOf(TransactionAbortedError);
  expect(await ids()).toEqual([]);
});

it('rolls back on an error of the function itself, before or after its first statement', async () => {
  await expect(
    withTransaction(pool, async () => {
      throw new Error('before any statement');
    }),
  ).rejects.toThrow('before any statement');
  await expect(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [1]);
      await queryAtCommit(tx, insert(2));
      throw new Error('after one');
    }),
  ).rejects.toThrow('after one');
  expect(await ids()).toEqual([]);
});

it('opens no transaction when the function runs no statement, and one when it only queues', async () => {
  expect((await roundTrips(async () => 42)).n).toBe(0);
  expect((await roundTrips((tx) => queryAtCommit(tx, insert(1)))).n).toBe(1); // BEGIN, insert, COMMIT
  expect(await ids()).toEqual([1]);
});

it('keeps the isolation level of a BEGIN with options', async () => {
  const { n, result } = await roundTrips(
    (tx) => tx.query('SELECT current_setting($1) AS level', ['transaction_isolation']),
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
  expect(n).toBe(2);
  expect(result.rows[0].level).toBe('repeatable read');
  await expect(
    withTransaction(pool, (tx) => tx.query('INSERT INTO t (id) VALUES ($1)', [1]), 'BEGIN READ ONLY'),
  ).rejects.toMatchObject({ code: '25006' });
});

it('sends a first statement that cannot be chained after the BEGIN alone (a named statement not prepared yet)', async () => {
  const fresh = { name: 'tx-test-fresh', text: 'INSERT INTO t (id) VALUES ($1) RETURNING id', values: [1] };
  const { n, result } = await roundTrips((tx) => tx.query(fresh));
  expect(n).toBe(3); // BEGIN, the statement (prepared now), COMMIT
  expect(result.rows).toEqual([{ id: 1 }]);
  const again = await roundTrips((tx) => tx.query({ ...fresh, values: [2] }));
  expect(again.n).toBe(2); // prepared on this connection: chained with the BEGIN
  expect(await ids()).toEqual([1, 2]);
});

it('sends a first statement without values as pg does, a simple query that may hold several statements', async () => {
  const { n, result } = await roundTrips(async (tx) => {
    await tx.query("SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '5s'");
    return tx.query('SELECT current_setting($1) AS t', ['statement_timeout']);
  });
  expect(n).toBe(4); // BEGIN, the two SETs, the select, COMMIT
  expect(result.rows[0].t).toBe('5s');
  // SET LOCAL: gone with the transaction.
  expect((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('0');
});

it("sends an outbox append and its NOTIFY with the COMMIT: the relay's listener hears of rows that are there", async () => {
  await pool.query('CREATE SCHEMA IF NOT EXISTS tx_outbox');
  await pool.query(outboxDdl('tx_outbox'));
  const listener = new Client({ connectionString: db.url });
  await listener.connect();
  const heard: number[] = [];
  listener.on('notification', async () => {
    heard.push((await pool.query('SELECT count(*)::int AS n FROM tx_outbox.outbox')).rows[0].n);
  });
  await listener.query(`LISTEN ${notifyChannel('tx_outbox')}`);
  try {
    const record = () => ({
      topic: 'orders',
      key: 'ord-1',
      payload: Buffer.from('x'),
      headers: { ce_id: 'x' },
      eventId: randomUUID(),
      eventType: 'order.created',
    });
    const append = (tx: PoolClient) => appendToOutbox(tx, 'tx_outbox', [record(), record()], { notify: true });
    await withTransaction(pool, append); // prepares the append and the NOTIFY on this connection
    await waitFor(() => heard.length === 1, { description: 'the first NOTIFY' });
    const { n } = await roundTrips(append);
    expect(n).toBe(1); // BEGIN, the append, the NOTIFY and the COMMIT in one round trip
    await waitFor(() => heard.length === 2, { description: 'the second NOTIFY' });
    expect(heard).toEqual([2, 4]); // each NOTIFY came after its rows were committed
    // A failed append sends no NOTIFY: the server skips it with the COMMIT.
    await expect(
      withTransaction(pool, (tx) => appendToOutbox(tx, 'tx_outbox', [{ ...record(), topic: null as never }])),
    ).rejects.toMatchObject({ code: '23502' });
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toHaveLength(2);
  } finally {
    await listener.end();
  }
});

it('fails, and does not hang, when the connection dies during a chained round trip; the pool goes on', async () => {
  const admin = new Client({ connectionString: db.url });
  await admin.connect();
  // pg also reports a connection lost while checked out as an 'error' event of the client (service-kit's pools
  // listen for it); here it is counted.
  const lost: Error[] = [];
  try {
    // The backend is terminated while it runs the chain's statement: the first (with the BEGIN), then one queued for
    // the COMMIT. Either way the transaction's promise rejects and nothing of it stays.
    const sleepy = { text: 'SELECT pg_sleep($1)', values: [60] };
    const killDuring = async (fn: (tx: PoolClient) => Promise<unknown>) => {
      let pid = 0;
      // Settled into a value at once: a rejection must not wait for a handler while the test is still polling.
      const outcome = withTransaction(pool, async (tx) => {
        pid = (tx as unknown as { processID: number }).processID;
        tx.once('error', (e) => lost.push(e));
        return fn(tx);
      }).then(
        () => new Error('the transaction committed'),
        (e: Error) => e,
      );
      await waitFor(
        async () =>
          (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'`, [pid]))
            .rowCount === 1,
        { description: 'the chain running on the server' },
      );
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // Well before the statement's own 60 s: a chain deaf to the server's FATAL error would wait for ever.
      const hung = new Promise<string>((r) => setTimeout(() => r('still waiting 20 s after the kill'), 20000).unref());
      expect(String(await Promise.race([outcome, hung]))).toMatch(/terminat/i);
    };
    await killDuring(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [1]);
      await tx.query(sleepy);
    });
    await killDuring(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', [2]);
      await queryAtCommit(tx, sleepy);
    });
    await killDuring((tx) => tx.query(sleepy)); // the first statement, with the BEGIN
    expect(await ids()).toEqual([]);
    await withTransaction(pool, (tx) => tx.query(insert(3)));
    expect(await ids()).toEqual([3]);
    expect(lost).toHaveLength(3);
  } finally {
    await admin.end();
  }
});
