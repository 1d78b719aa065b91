/**
 * The framework's price: order.created through a no-op service (noop-service.ts) run by the real runtime as a
 * process of its own, to order.validated on Kafka. First N events at full speed (events per second end to end, and
 * CPU per event), then the price of an event at a paced rate: with nothing sent (what the processes cost idle), each
 * record alone (one produce request each, evenly spaced) and the same rate in bursts (several records per request),
 * CPU per event of the service, PostgreSQL and the broker, from /proc. An event alone wakes every process on its way
 * by itself (a fetch, the transaction's statements, the relay's select, produce and mark); in a burst or at full
 * speed the same wake-ups carry several events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { CpuMeter, type CpuWindow } from '../cpu-meter';
import type { Settings } from '../settings';
import { round } from '../stats';

/**
 * CPU seconds per event (or per second, idle) of the service process, PostgreSQL and the broker, and their sum; and
 * their wake-ups (voluntary context switches of every thread) per event or second, likewise. Unlike the pipeline at
 * a paced rate, one service at 100 events/s leaves the machine mostly idle, so neither expands to fill it: they
 * price an event, and a change to what an event does shows in them.
 */
export interface NoopCpu {
  service: number;
  postgres: number;
  kafka: number;
  total: number;
  wakeups: { service: number; postgres: number; kafka: number; total: number };
}

export interface NoopPaced {
  /** Events per second offered, for `seconds` each way. */
  rate: number;
  seconds: number;
  /** Records per produce request in `bursts`. */
  burst: number;
  /** CPU seconds per second with nothing sent (the service polling, its relay's timer, the broker's own work). */
  idle: NoopCpu;
  /** CPU seconds per event, one record per produce request, evenly spaced: every event travels alone. */
  alone: NoopCpu;
  /** CPU seconds per event at the same rate in bursts of `burst` records: events travel together. */
  bursts: NoopCpu;
}

export interface NoopCeiling {
  events: number;
  eventsPerSecond: number;
  /** CPU seconds per event at full speed: the service process, PostgreSQL, the broker. */
  cpuSecondsPerEvent: NoopCpu;
  paced: NoopPaced;
}

/** Events at full speed; the paced rate, seconds each way and records per burst; seconds idle. */
export type NoopSettings = Pick<
  Settings['ceilings'],
  'noopEvents' | 'noopPacedRate' | 'noopPacedS' | 'noopBurst' | 'noopIdleS'
>;

const SCHEMA = 'bench_noop';

export async function noopCeiling(
  s: NoopSettings,
  partitions: number,
  kafkaPid: number | undefined,
  logDir: string,
): Promise<NoopCeiling> {
  const tk = new TestKafka(uniquePrefix('bench-noop'));
  await tk.setup(partitions);
  const db = await createTestDatabase('bench_noop');
  let child: ChildProcess | undefined;
  try {
    await adminQuery(db.url, `CREATE SCHEMA ${SCHEMA}`);
    const pacedN = Math.max(s.noopBurst, Math.round(s.noopPacedRate * s.noopPacedS));
    const records = await orders(tk, s.noopEvents + 2 * pacedN);
    const port = await freePort();
    child = launch(env(tk.prefix, db.url, port), logDir);
    await ready(child, port);
    const service = child;
    const measure = async (work: () => Promise<void>): Promise<{ cpu: CpuWindow; seconds: number }> => {
      const meter = new CpuMeter({ service: service.pid, kafka: kafkaPid }, db.name);
      meter.start();
      const t0 = performance.now();
      await work();
      const seconds = (performance.now() - t0) / 1000;
      return { cpu: meter.stop(), seconds };
    };
    let sent = 0;
    /** Sends `n` more records as `send` does, then waits until the service has emitted for all it was sent. */
    const through = (n: number, send: (rs: typeof records) => Promise<void>) => async () => {
      const batch = records.slice(sent, sent + n);
      sent += n;
      await send(batch);
      await untilValidated(tk, sent);
    };

    const full = await measure(
      through(s.noopEvents, async (rs) => {
        for (let i = 0; i < rs.length; i += 500) await tk.producer.send(rs.slice(i, i + 500));
      }),
    );
    const idle = await measure(() => sleep(s.noopIdleS * 1000));
    const alone = await measure(through(pacedN, (rs) => sendPaced(tk, rs, s.noopPacedRate, 1)));
    const bursts = await measure(through(pacedN, (rs) => sendPaced(tk, rs, s.noopPacedRate, s.noopBurst)));
    return {
      events: s.noopEvents,
      eventsPerSecond: Math.round(s.noopEvents / full.seconds),
      cpuSecondsPerEvent: perUnit(full.cpu, s.noopEvents),
      paced: {
        rate: s.noopPacedRate,
        seconds: s.noopPacedS,
        burst: s.noopBurst,
        idle: perUnit(idle.cpu, idle.seconds),
        alone: perUnit(alone.cpu, pacedN),
        bursts: perUnit(bursts.cpu, pacedN),
      },
    };
  } finally {
    if (child) await stop(child);
    await tk.close();
    await db.drop();
  }
}

function perUnit(w: CpuWindow, units: number): NoopCpu {
  return { ...perProcess(w.seconds, units, 6), wakeups: perProcess(w.wakeups, units, 1) };
}

/** The service's, PostgreSQL's and the broker's count per unit, and their sum. */
function perProcess(counts: Record<string, number>, units: number, digits: number) {
  const service = counts.service ?? 0;
  const postgres = counts.postgres ?? 0;
  const kafka = counts.kafka ?? 0;
  const per = (v: number) => round(v / units, digits);
  return { service: per(service), postgres: per(postgres), kafka: per(kafka), total: per(service + postgres + kafka) };
}

/** `rs` at `rate` records per second, `burst` records per produce request, the requests evenly spaced. */
async function sendPaced(tk: TestKafka, rs: Parameters<TestKafka['producer']['send']>[0], rate: number, burst: number) {
  const t0 = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < rs.length; i += burst) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    sends.push(tk.producer.send(rs.slice(i, i + burst)));
  }
  await Promise.all(sends);
}

async function untilValidated(tk: TestKafka, n: number): Promise<void> {
  await waitFor(async () => (await endOffsetSum(tk, 'order.validated')) >= n, {
    timeoutMs: 600_000,
    intervalMs: 100,
    description: `${n} order.validated from the no-op service`,
  });
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
