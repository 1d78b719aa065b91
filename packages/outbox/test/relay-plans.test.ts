/**
 * The relay's session plans its statements once (generic plans) and never into a sequential scan: a plan made while
 * the outbox was empty must still read the indexes once the outbox holds an hour of published rows.
 */
import { Client } from 'pg';
import {
  outboxDdl,
  outboxLease,
  RELAY_SESSION_OPTIONS,
  relayMarkSql,
  relaySelectSql,
  SESSION_OPTIONS,
} from '@orderflow/outbox';
import { createTestDatabase } from '@orderflow/testing';

const SCHEMA = 'plans';
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('relay-plans');
  const c = new Client({ connectionString: db.url });
  await c.connect();
  await c.query(`CREATE SCHEMA ${SCHEMA}`);
  await c.query(outboxDdl(SCHEMA));
  await c.end();
});
afterAll(() => db.drop());

async function session(options: string): Promise<Client> {
  const c = new Client({ connectionString: db.url, options });
  await c.connect();
  return c;
}

/** Empties the outbox with the statistics a migration leaves (CREATE INDEX sets them), then adds `n` pending rows. */
async function freshOutbox(c: Client, n: number): Promise<void> {
  await c.query(`TRUNCATE ${SCHEMA}.outbox`);
  await c.query(`ANALYZE ${SCHEMA}.outbox`);
  await insertRows(c, n, false);
}

async function insertRows(c: Client, n: number, published: boolean): Promise<void> {
  await c.query(
    `INSERT INTO ${SCHEMA}.outbox (topic, message_key, payload, event_id, event_type, published_at)
     SELECT 'orders', 'order-' || (g % 500), decode(repeat('ab', 150), 'hex'), gen_random_uuid()::text, 'order.created',
            CASE WHEN $2 THEN now() END
     FROM generate_series(1, $1) g`,
    [n, published],
  );
}

/** Runs the relay's select and mark as the relay does: named, so prepared once in the session. */
async function relayRounds(c: Client, rounds: number): Promise<void> {
  const lease = outboxLease(SCHEMA);
  expect(await lease.tryAcquire(c)).toBe(true);
  for (let i = 0; i < rounds; i++) {
    const { rows } = await c.query({ name: 'relay_select', text: relaySelectSql(SCHEMA), values: [50] });
    await c.query({
      name: 'relay_mark',
      text: relayMarkSql(SCHEMA, lease),
      values: [rows.slice(0, 1).map((r) => r.id), lease.name, lease.started],
    });
  }
}

async function plan(c: Client, execute: string): Promise<string> {
  const r = await c.query(`EXPLAIN EXECUTE ${execute}`);
  return r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
}

async function plansMade(c: Client): Promise<Record<string, { generic: number; custom: number }>> {
  const r = await c.query(`SELECT name, generic_plans::int, custom_plans::int FROM pg_prepared_statements`);
  return Object.fromEntries(r.rows.map((x) => [x.name, { generic: x.generic_plans, custom: x.custom_plans }]));
}

const SELECT = 'relay_select(500)';
const MARK = `relay_mark('{1,2,3}', 'outbox-relay', '2026-01-01 00:00:00+00')`;

it('plans the select and the mark once, on indexes, and keeps using those plans as the outbox grows', async () => {
  const c = await session(RELAY_SESSION_OPTIONS);
  try {
    await freshOutbox(c, 10);
    await relayRounds(c, 10);
    // An hour of published rows, a backlog, and a parked row (the select's NOT EXISTS has one to look at).
    await insertRows(c, 50_000, true);
    await insertRows(c, 200, false);
    await c.query(`UPDATE ${SCHEMA}.outbox SET parked_at = now() WHERE id = (SELECT max(id) FROM ${SCHEMA}.outbox)`);
    await relayRounds(c, 3);

    const select = await plan(c, SELECT);
    expect(select).not.toMatch(/Seq Scan/);
    expect(select).toMatch(/outbox_pending_idx/);
    // The parked rows are probed by the row's key, not read whole for every row.
    expect(select).toMatch(/outbox_parked_key_idx[^\n]*\n\s*Index Cond: \(\(message_key = r\.message_key\)/);
    const mark = await plan(c, MARK);
    expect(mark).not.toMatch(/Seq Scan/);
    expect(mark).toMatch(/outbox_pkey/);

    const made = await plansMade(c);
    for (const name of ['relay_select', 'relay_mark']) {
      expect(made[name]!.custom).toBe(0);
      expect(made[name]!.generic).toBeGreaterThanOrEqual(13);
    }
  } finally {
    await c.end();
  }
});

it('(control) a pool session plans every execution (custom plans), which is what the relay session saves', async () => {
  const c = await session(SESSION_OPTIONS);
  try {
    await freshOutbox(c, 10);
    await relayRounds(c, 10);
    const made = await plansMade(c);
    expect(made.relay_select!.custom).toBe(10);
    expect(made.relay_mark!.custom).toBe(10);
    expect(made.relay_select!.generic).toBe(0);
  } finally {
    await c.end();
  }
});

it('(control) generic plans without the sequential-scan guard keep a plan made on the empty outbox', async () => {
  const c = await session('-c plan_cache_mode=force_generic_plan');
  try {
    await freshOutbox(c, 10);
    await relayRounds(c, 10);
    await insertRows(c, 50_000, true);
    expect(await plan(c, MARK)).toMatch(/Seq Scan/);
  } finally {
    await c.end();
  }
});
