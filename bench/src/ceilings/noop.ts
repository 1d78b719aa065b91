/**
 * The framework's price: N order.created through a no-op service (noop-service.ts) run by the real runtime as a
 * process of its own, to order.validated on Kafka. Events per second end to end, and CPU per event of the service,
 * PostgreSQL and the broker, from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import {
  anOrder,
  aLine,
  createTestDatabase,
  freePort,
  getJson,
  testEnv,
  TestKafka,
  uniquePrefix,
  waitFor,
} from '@orderflow/testing';
import { CpuMeter } from '../cpu-meter';
import { round } from '../stats';

export interface NoopCeiling {
  events: number;
  eventsPerSecond: number;
  /** CPU seconds per event: the service process, PostgreSQL, the broker. */
  cpuSecondsPerEvent: { service: number; postgres: number; kafka: number };
}

const SCHEMA = 'bench_noop';

export async function noopCeiling(n: number, partitions: number, kafkaPid: number | undefined, logDir: string) {
  const tk = new TestKafka(uniquePrefix('bench-noop'));
  await tk.setup(partitions);
  const db = await createTestDatabase('bench_noop');
  let child: ChildProcess | undefined;
  try {
    await adminQuery(db.url, `CREATE SCHEMA ${SCHEMA}`);
    const records = await orders(tk, n);
    const port = await freePort();
    child = launch(env(tk.prefix, db.url, port), logDir);
    await ready(child, port);
    const meter = new CpuMeter({ service: child.pid, kafka: kafkaPid }, db.name);
    meter.start();
    const t0 = performance.now();
    for (let i = 0; i < records.length; i += 500) await tk.producer.send(records.slice(i, i + 500));
    await waitFor(async () => (await endOffsetSum(tk, 'order.validated')) >= n, {
      timeoutMs: 600_000,
      intervalMs: 50,
      description: `${n} order.validated from the no-op service`,
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = meter.stop().seconds;
    const per = (v: number | undefined) => round((v ?? 0) / n, 6);
    return {
      events: n,
      eventsPerSecond: Math.round(n / seconds),
      cpuSecondsPerEvent: { service: per(cpu.service), postgres: per(cpu.postgres), kafka: per(cpu.kafka) },
    };
  } finally {
    if (child) await stop(child);
    await tk.close();
    await db.drop();
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

/** Distinct orders (the inbox keys on the event id), encoded before the clock starts. */
async function orders(tk: TestKafka, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const o = anOrder({ lines: [aLine({ sku: 'BENCH-SKU-1' }), aLine({ sku: 'BENCH-SKU-2' })] });
      return { topic: tk.topic('order.created'), key: o.orderId, value: await tk.codec.encode('order.created', o) };
    }),
  );
}

/** As the platform runs a service (Platform.env), as a superuser in development mode: no role of its own to make. */
function env(prefix: string, url: string, port: number): NodeJS.ProcessEnv {
  const e = testEnv();
  return {
    PATH: process.env.PATH,
    ORDERFLOW_ENV: 'development',
    DATABASE_URL: url,
    DB_SCHEMA: SCHEMA,
    DB_POOL_MAX: '4',
    KAFKA_BROKERS: e.brokers.join(','),
    SCHEMA_REGISTRY_URL: e.registryUrl,
    TOPIC_PREFIX: prefix,
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    RELAY_POLL_MS: '200',
    LOG_LEVEL: 'warn',
  };
}

function launch(environment: NodeJS.ProcessEnv, logDir: string): ChildProcess {
  fs.mkdirSync(logDir, { recursive: true });
  const out = fs.openSync(path.join(logDir, 'bench-noop.log'), 'a');
  const entry = path.join(__dirname, '..', 'noop-service.js');
  return spawn(process.execPath, [entry], { env: environment, stdio: ['ignore', out, out] });
}

async function ready(child: ChildProcess, port: number): Promise<void> {
  await waitFor(async () => child.exitCode !== null || (await getJson(port, '/health/ready')).status === 200, {
    timeoutMs: 120_000,
    intervalMs: 200,
    description: 'the no-op service ready',
  });
  if (child.exitCode !== null) throw new Error(`the no-op service exited (${child.exitCode}) while starting`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function endOffsetSum(tk: TestKafka, type: Parameters<TestKafka['topic']>[0]): Promise<number> {
  return [...(await tk.admin.endOffsets(tk.topic(type))).values()].reduce((s, o) => s + Number(o), 0);
}
