/**
 * PostgreSQL's ceiling for the platform's transaction shape, measured by pgbench itself: what a handler does for one
 * record (inbox claim, a stock-like row update, the per-order advisory lock and the outbox insert of ~500 bytes with
 * its headers), with several clients, in a database of its own that is dropped afterwards. No NOTIFY: with worker
 * and relay in one process (ROLE=all, as the pipeline runs) the relay is woken in memory, and a NOTIFY would
 * serialise every commit of the cluster.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { outboxDdl } from '@orderflow/outbox';
import { createTestDatabase } from '@orderflow/testing';
import { hostOf } from '../database';
import type { SampleRecord } from './records';

export interface PgbenchCeiling {
  clients: number;
  seconds: number;
  transactions: number;
  tps: number;
  /**
   * Statements per transaction, BEGIN and COMMIT included: the script's, as pgbench runs each once per transaction
   * (pg_stat_statements would count prepared BEGIN and COMMIT only once per connection).
   */
  statementsPerTx: number;
}

const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

/** The script: one handler transaction for one record (see packages/outbox writer.ts for the real statements). */
function script(record: SampleRecord): string[] {
  const headers = JSON.stringify(record.headers).replace(/'/g, "''");
  return [
    '\\set sku random(1, 50)',
    '\\set n random(1, 1000000000)',
    'BEGIN;',
    "INSERT INTO bench.inbox (event_id, event_type, topic, kafka_partition, kafka_offset) VALUES (gen_random_uuid()::text, 'order.validated', 'bench.order.validated', :client_id, :n) ON CONFLICT (event_id) DO NOTHING;",
    'UPDATE bench.stock SET reserved = reserved + 1 WHERE sku = :sku;',
    'SELECT count(pg_advisory_xact_lock(k::bigint)) FROM unnest(ARRAY[:n]) AS k;',
    `INSERT INTO bench.outbox (topic, message_key, payload, headers, event_id, event_type) VALUES ('bench.inventory.reserved', 'ord-' || :n, decode('${record.value.toString('hex')}', 'hex'), '${headers}'::jsonb, gen_random_uuid()::text, 'inventory.reserved');`,
    'COMMIT;',
  ];
}

export async function pgbenchCeiling(record: SampleRecord, clients: number, seconds: number): Promise<PgbenchCeiling> {
  const db = await createTestDatabase('bench_pgbench');
  const admin = new Client({ connectionString: db.url });
  const file = path.join(os.tmpdir(), `${db.name}.sql`);
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA bench; ${outboxDdl('bench')}`);
    await admin.query('CREATE TABLE bench.stock (sku int PRIMARY KEY, on_hand int NOT NULL, reserved int NOT NULL)');
    await admin.query('INSERT INTO bench.stock SELECT g, 1000000000, 0 FROM generate_series(1, 50) g');
    const lines = script(record);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const out = await run(db.url, file, clients, seconds);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${out}`);
    const statementsPerTx = lines.filter((l) => !l.startsWith('\\')).length;
    return { clients, seconds, transactions, tps: Math.round(tps), statementsPerTx };
  } finally {
    fs.rmSync(file, { force: true });
    await admin.end().catch(() => undefined);
    await db.drop();
  }
}

/** pgbench with prepared statements (the outbox and inbox statements are prepared once per connection), no vacuum. */
async function run(url: string, file: string, clients: number, seconds: number): Promise<string> {
  const u = new URL(url);
  // The same transport as the services: a TCP host or a Unix socket directory, as libpq and node-postgres read it.
  const host = hostOf(url);
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(clients, os.cpus().length))];
  args.push('-T', String(seconds), '-f', file, '-h', host, '-p', u.port || '5432');
  args.push('-U', decodeURIComponent(u.username || 'postgres'), u.pathname.slice(1));
  const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };
  const { stdout } = await promisify(execFile)(PGBENCH, args, { env, timeout: (seconds + 60) * 1000 });
  return stdout;
}
