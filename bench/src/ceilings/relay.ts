/**
 * The outbox relay alone (packages/outbox), against the same broker: how fast it drains a backlog of committed rows,
 * and how soon it publishes a row committed while it is idle (pickup latency: the writing transaction's start to
 * the broker's acknowledgement, as the services' orderflow_outbox_pickup_seconds measures it).
 */
import { Pool } from 'pg';
import { appendToOutbox, OutboxRelay, outboxDdl, withTransaction, type OutboxRecord } from '@orderflow/outbox';
import { createTestDatabase, TestKafka, uniquePrefix, waitFor } from '@orderflow/testing';
import { latency, type Latency } from '../stats';
import type { SampleRecord } from './records';

export interface RelayCeiling {
  events: number;
  batchSize: number;
  outboxWritesPerSecond: number;
  relayEventsPerSecond: number;
  pickupMs: Latency;
}

const SCHEMA = 'bench';
/** The services' default RELAY_BATCH_SIZE. */
const BATCH_SIZE = 500;
const WRITERS = 4;
const PER_TX = 50;

export async function relayCeiling(records: SampleRecord[], pickupEvents: number, partitions: number) {
  const tk = new TestKafka(uniquePrefix('bench-relay'));
  await tk.setup(partitions);
  const db = await createTestDatabase('bench_relay');
  const pool = new Pool({ connectionString: db.url, max: WRITERS + 2 });
  // pool.end() resolves once it has asked its idle connections to end, not once they have: the database's forced
  // drop right after may terminate one first, and the pool reports that as an 'error' event, which without a
  // listener ends the process (seen in two of about six runs).
  pool.on('error', (err) => console.error(`[bench] relay ceiling: idle connection ended: ${err.message}`));
  const pickups: number[] = [];
  const relay = new OutboxRelay({
    schema: SCHEMA,
    pool,
    connectionString: db.url,
    producer: tk.producer,
    batchSize: BATCH_SIZE,
    metrics: { published: (rows) => rows.forEach((r) => pickups.push(Date.now() - r.createdAt)) },
  });
  try {
    await pool.query(`CREATE SCHEMA ${SCHEMA}; ${outboxDdl(SCHEMA)}`);
    const rows = toRows(records, tk.topic('order.validated'));
    const t0 = performance.now();
    await writeAll(pool, rows);
    const outboxWritesPerSecond = Math.round(rows.length / ((performance.now() - t0) / 1000));
    const t1 = performance.now();
    relay.start();
    await drained(relay);
    const relayEventsPerSecond = Math.round(rows.length / ((performance.now() - t1) / 1000));
    pickups.length = 0;
    await paced(pool, rows.slice(0, pickupEvents));
    await drained(relay);
    const pickupMs = latency(pickups);
    return { events: rows.length, batchSize: BATCH_SIZE, outboxWritesPerSecond, relayEventsPerSecond, pickupMs };
  } finally {
    await relay.stop();
    await pool.end();
    await tk.close();
    await db.drop();
  }
}

function toRows(records: SampleRecord[], topic: string): OutboxRecord[] {
  return records.map((r) => ({
    topic,
    key: r.key,
    payload: r.value,
    headers: r.headers,
    eventId: r.headers.ce_id ?? r.key,
    eventType: 'order.validated',
  }));
}

function tx(pool: Pool, rows: OutboxRecord[]): Promise<void> {
  return withTransaction(pool, (c) => appendToOutbox(c, SCHEMA, rows));
}

/** The backlog, written by a few writers in transactions of 50 (a consumed batch's worth) before the relay starts. */
async function writeAll(pool: Pool, rows: OutboxRecord[]): Promise<void> {
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = w * PER_TX; i < rows.length; i += WRITERS * PER_TX) await tx(pool, rows.slice(i, i + PER_TX));
    }),
  );
}

/** One row per transaction every 10 ms: each finds the relay idle, waiting on LISTEN/NOTIFY. */
async function paced(pool: Pool, rows: OutboxRecord[]): Promise<void> {
  for (const row of rows) {
    await tx(pool, [row]);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function drained(relay: OutboxRelay): Promise<void> {
  await waitFor(async () => (await relay.backlog()).pending === 0, {
    timeoutMs: 600_000,
    intervalMs: 20,
    description: 'relay drained',
  });
}
