/**
 * One measured phase of the pipeline: counters read before, orders sent, the end condition awaited (bounded), the
 * counters read again. Every figure is the phase's delta, divided by the orders it sent.
 */
import { SERVICES, type Platform } from '@orderflow/testing';
import { CpuMeter, POSTGRES_OTHER, type CpuWindow } from '../cpu-meter';
import { counterDelta, type PgCounters, type StatsDb } from '../pg-stats';
import { memMiB } from '../proc';
import { round, total, type Latency } from '../stats';
import type { Backlog, DrainResult, DrainWatch } from './drain';
import type { Sent } from './loadgen';

export type PhaseKind = 'warmup' | 'paced' | 'sustained' | 'unlimited';

export interface PhaseResult {
  kind: PhaseKind;
  /** Offered orders per second; null for unlimited. */
  rate: number | null;
  orders: number;
  /** Sending took this long. */
  sendSeconds: number;
  /** From the first send to the end condition (or to the last look, when the wait for it gave up). */
  seconds: number;
  /** orders / seconds; if the phase never got idle, order.fulfilled records written in it / seconds. */
  ordersPerSecond: number;
  /** order.fulfilled records written during the phase. */
  fulfilledInPhase: number;
  /** The end condition held (else `backlog` is what the last look saw when the wait gave up). */
  drained: boolean;
  backlog: Backlog;
  /** CPU seconds per process over the phase; `machine`: every core's busy time, whoever used it. */
  cpuSeconds: Record<string, number>;
  /**
   * Busy CPU seconds of the machine that none of the measured processes used: other work on a shared machine.
   * Well above zero, the per-order figures are inflated by contention.
   */
  otherWorkCpuSeconds: number;
  pg: PgCounters;
  /** Records written to the run's topics during the phase, and read by the platform's consumer groups. */
  kafkaRecords: number;
  kafkaRecordsConsumed: number;
  perOrder: {
    /** Per measured process (null: its pid was not found), and `total` of those. */
    cpuSeconds: Record<string, number | null>;
    /**
     * Wake-ups per process (voluntary context switches of its threads; the load generator is not counted: it
     * shares the suite's process), and `total`: what paced orders cost on a machine that charges per wake-up.
     */
    wakeups: Record<string, number | null>;
    pgStatements: number | null;
    pgCommits: number;
    /** WAL records and bytes the PostgreSQL server wrote (null before PostgreSQL 14). */
    pgWalRecords: number | null;
    pgWalBytes: number | null;
    /** Of the records, full-page images (many after a checkpoint; see PgCounters). */
    pgWalFullPages: number | null;
    kafkaRecords: number;
  };
  /** Resident set per service during the phase (1 s samples) and VmHWM (peak since start) at its end, MiB. */
  rssMiB: Record<string, { max: number; mean: number }>;
  peakRssMiB: Record<string, number>;
  /** created → fulfilled (the fulfilled event's occurredAt minus the order's createdAt), filled in after the run. */
  latencyMs?: Latency;
  /** Orders of the phase whose order.fulfilled is on Kafka, and those without one. */
  terminal?: { fulfilled: number; missing: number };
}

export interface PhaseContext {
  p: Platform;
  watch: DrainWatch;
  db: StatsDb;
  /** Processes measured by pid: the broker, the registry and each service. */
  pids: Record<string, number | undefined>;
  drainTimeoutMs: number;
}

/** Runs one phase; returns its figures and the orders it sent (for latency, read from Kafka afterwards). */
export async function runPhase(
  ctx: PhaseContext,
  kind: PhaseKind,
  rate: number | null,
  send: () => Promise<Sent>,
): Promise<{ result: PhaseResult; sent: Sent }> {
  const pgBefore = await ctx.db.counters();
  const recordsBefore = await ctx.watch.records();
  const meter = new CpuMeter(ctx.pids, ctx.db.database);
  meter.start();
  const sent = await send();
  const end = await ctx.watch.drained(ctx.drainTimeoutMs);
  const cpu = meter.stop();
  // PostgreSQL backends publish their counters at most once a second: let the last ones land.
  await new Promise((r) => setTimeout(r, 1500));
  const pg = counterDelta(pgBefore, await ctx.db.counters());
  const fulfilledTopic = ctx.p.kafka.topic('order.fulfilled');
  const records = recordDelta(ctx.watch, recordsBefore, await ctx.watch.records(), fulfilledTopic);
  const result = summarise({ kind, rate, sent, end, cpu, pg, records, pids: ctx.pids });
  return { result, sent };
}

interface Measured {
  kind: PhaseKind;
  rate: number | null;
  sent: Sent;
  end: DrainResult;
  cpu: CpuWindow;
  pg: PgCounters;
  records: { written: number; consumed: number; fulfilled: number };
  pids: Record<string, number | undefined>;
}

/** The phase's figures, totals and per order. */
function summarise({ kind, rate, sent, end, cpu, pg, records, pids }: Measured): PhaseResult {
  const orders = sent.createdAt.size;
  const seconds = (end.at - sent.firstSendAt) / 1000;
  /** A count per order, where it was measured. */
  const per = (v: number | null, digits: number) => (v === null ? null : round(v / orders, digits));
  return {
    kind,
    rate,
    orders,
    sendSeconds: round((sent.lastSendAt - sent.firstSendAt) / 1000),
    seconds: round(seconds),
    // A phase that never got idle did not process all of its orders: count those that got through.
    ordersPerSecond: Math.round((end.drained ? orders : records.fulfilled) / seconds),
    fulfilledInPhase: records.fulfilled,
    drained: end.drained,
    backlog: end.last,
    cpuSeconds: { ...roundAll(cpu.seconds), machine: round(cpu.machine) },
    otherWorkCpuSeconds: round(Math.max(0, cpu.machine - ownCpu(cpu.seconds))),
    pg,
    kafkaRecords: records.written,
    kafkaRecordsConsumed: records.consumed,
    perOrder: {
      cpuSeconds: perOrderOf(cpu.seconds, orders, ['kafka', 'registry', 'postgres', ...SERVICES, 'loadgen'], 6),
      wakeups: perOrderOf(cpu.wakeups, orders, ['kafka', 'registry', 'postgres', ...SERVICES], 1),
      pgStatements: per(pg.statements, 1),
      pgCommits: round(pg.commits / orders, 2),
      pgWalRecords: per(pg.walRecords, 1),
      pgWalBytes: per(pg.walBytes, 0),
      pgWalFullPages: per(pg.walFullPages, 2),
      kafkaRecords: round(records.written / orders, 2),
    },
    rssMiB: Object.fromEntries(SERVICES.map((s) => [s, cpu.rss[s] ?? { max: NaN, mean: NaN }])),
    peakRssMiB: Object.fromEntries(SERVICES.map((s) => [s, memMiB(pids[s], 'VmHWM') ?? NaN])),
  };
}

/**
 * Per order, a count (CPU seconds, wake-ups) of each of `names` (null where it was not measured) and their total.
 * Backends of other databases (POSTGRES_OTHER) are other work on a shared machine: in the phase's figures, not in
 * the total.
 */
function perOrderOf(
  counts: Record<string, number>,
  orders: number,
  names: string[],
  digits: number,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of names) out[k] = counts[k] === undefined ? null : round(counts[k] / orders, digits);
  const own = Object.entries(counts).filter(([k]) => k !== POSTGRES_OTHER && names.includes(k));
  out.total = round(total(Object.fromEntries(own)) / orders, digits);
  return out;
}

/** Records written (end-offset deltas of every topic) and read (each written record times its topic's groups). */
function recordDelta(watch: DrainWatch, before: Map<string, number>, after: Map<string, number>, fulfilled: string) {
  const out = { written: 0, consumed: 0, fulfilled: 0 };
  for (const [topic, end] of after) {
    const d = end - (before.get(topic) ?? 0);
    out.written += d;
    out.consumed += d * watch.readers(topic);
    if (topic === fulfilled) out.fulfilled = d;
  }
  return out;
}

/** CPU seconds of the run's own processes: everything measured but other databases' backends. */
function ownCpu(seconds: Record<string, number>): number {
  return total(seconds) - (seconds[POSTGRES_OTHER] ?? 0);
}

function roundAll(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]));
}
