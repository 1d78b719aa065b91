/**
 * The one JSON document of a run (bench/results/latest.json), in a stable shape: the headline figures first, then
 * the ceilings, ratios, per-order costs and targets, then every phase of every run. tools/gen-bench-doc.js reads it.
 */
import type { Ceilings } from '../ceilings';
import type { KafkaCeiling } from '../ceilings/kafka-raw';
import type { PhaseResult } from '../pipeline/phase';
import type { PipelineRun } from '../pipeline/run';
import type { Settings } from '../settings';
import { round, spread, type Latency, type Spread } from '../stats';
import type { Machine } from './machine';
import { targetsOf, type Target } from './targets';

export const SCHEMA_VERSION = 'orderflow-bench/1';

export interface BenchDocument {
  schema: string;
  machine: Machine;
  git: { sha: string | null; dirty: boolean | null };
  startedAt: string;
  finishedAt: string;
  settings: Omit<Settings, 'out' | 'writeReadme'>;
  /** Sustained orders per second (the median run's, with BENCH_REPEAT). */
  ordersPerSecond: number;
  sustained: PhaseResult;
  unlimited: PhaseResult;
  /** created → fulfilled per paced rate (orders/s). */
  latency: Record<string, Pick<Latency, 'p50' | 'p90' | 'p99' | 'max'>>;
  ceilings: {
    kafkaProduceRecordsPerSecond: number;
    kafkaConsumeRecordsPerSecond: number;
    /** CPU µs per record of the raw ceilings: client, and broker (details.kafka.cpuUsPerRecord). */
    kafkaCpuUsPerRecord: KafkaCeiling['cpuUsPerRecord'];
    /**
     * What Kafka alone costs an order, ms of CPU (client and broker): the sustained phase's records written and read
     * per order at the raw ceilings' cost per record, in batches of 500 (the pipeline's are smaller): what every
     * record costs before a service does anything with it.
     */
    kafkaCpuMsPerOrder: number | null;
    pgbenchTps: number;
    pgbenchStatementsPerTx: number;
    noopPipelineEventsPerSecond: number;
    /**
     * The no-op service's CPU per event (service, PostgreSQL and broker together), ms: at full speed, and at the paced
     * rate with each event alone and in bursts (ceilings.details.noop.paced says which rate, which burst).
     */
    noopCpuMsPerEvent: { fullSpeed: number; pacedAlone: number; pacedBursts: number };
    relayEventsPerSecond: number;
    relayPickupMs: { p50: number; p99: number };
    /**
     * The machine, µs: a 1-byte write to /dev/null from Node (wall), and the CPU of a round trip between two Node
     * processes over loopback, back to back and after the paced interval idle (ceilings.details.wakeup).
     */
    machineUs: { writeSyscall: number; roundTripCpu: number; roundTripAfterIdleCpu: number };
    details: Ceilings;
  };
  ratios: Record<string, number>;
  /** Of the sustained phase. */
  perOrder: PhaseResult['perOrder'];
  /** VmHWM per service at the end of the run, MiB. */
  peakRssMiB: Record<string, number>;
  /** Resident set per service sampled during the sustained phase, MiB. */
  rssDuringSustainedMiB: Record<string, { max: number; mean: number }>;
  targets: Record<string, Target>;
  /** Spread of the headline figures over the runs (one run: min = median = max). */
  repeats: { count: number } & Record<string, Spread | number>;
  runs: PipelineRun[];
  notes: string[];
}

export interface DocumentInput {
  settings: Settings;
  machine: Machine;
  git: BenchDocument['git'];
  startedAt: Date;
  ceilings: Ceilings;
  runs: PipelineRun[];
  notes: string[];
}

/** The run whose sustained rate is the median: its phases stand for the run in the headline. */
function medianRun(runs: PipelineRun[]): PipelineRun {
  const sorted = [...runs].sort((a, b) => a.sustained.ordersPerSecond - b.sustained.ordersPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function buildDocument(i: DocumentInput): BenchDocument {
  const run = medianRun(i.runs);
  const { out: _out, writeReadme: _w, ...settings } = i.settings;
  const c = i.ceilings;
  const ceilings = {
    kafkaProduceRecordsPerSecond: c.kafka.produceRecordsPerSecond,
    kafkaConsumeRecordsPerSecond: c.kafka.consumeRecordsPerSecond,
    kafkaCpuUsPerRecord: c.kafka.cpuUsPerRecord,
    kafkaCpuMsPerOrder: kafkaPerOrder(run.sustained, c.kafka.cpuUsPerRecord),
    pgbenchTps: c.pgbench.tps,
    pgbenchStatementsPerTx: c.pgbench.statementsPerTx,
    noopPipelineEventsPerSecond: c.noop.eventsPerSecond,
    noopCpuMsPerEvent: {
      fullSpeed: round(c.noop.cpuSecondsPerEvent.total * 1000, 3),
      pacedAlone: round(c.noop.paced.alone.total * 1000, 3),
      pacedBursts: round(c.noop.paced.bursts.total * 1000, 3),
    },
    relayEventsPerSecond: c.relay.relayEventsPerSecond,
    relayPickupMs: { p50: c.relay.pickupMs.p50, p99: c.relay.pickupMs.p99 },
    machineUs: {
      writeSyscall: c.wakeup.writeSyscallUs,
      roundTripCpu: c.wakeup.roundTripCpuUs,
      roundTripAfterIdleCpu: c.wakeup.roundTripAfterIdleCpuUs,
    },
    details: c,
  };
  const latency = Object.fromEntries(
    Object.entries(run.paced).map(([rate, ph]) => {
      const l = ph.latencyMs;
      return [rate, { p50: l?.p50 ?? NaN, p90: l?.p90 ?? NaN, p99: l?.p99 ?? NaN, max: l?.max ?? NaN }];
    }),
  );
  const doc: Omit<BenchDocument, 'targets'> = {
    schema: SCHEMA_VERSION,
    machine: i.machine,
    git: i.git,
    startedAt: i.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings,
    ordersPerSecond: run.sustained.ordersPerSecond,
    sustained: run.sustained,
    unlimited: run.unlimited,
    latency,
    ceilings,
    ratios: ratios(run, c),
    perOrder: run.sustained.perOrder,
    peakRssMiB: peakRss(i.runs),
    rssDuringSustainedMiB: run.sustained.rssMiB,
    repeats: repeats(i.runs),
    runs: i.runs,
    notes: i.notes,
  };
  return { ...doc, targets: targetsOf(doc) };
}

/** Kafka's CPU for a phase's records per order at the ceiling's prices (null without the broker's), ms. */
function kafkaPerOrder(p: PhaseResult, cpu: KafkaCeiling['cpuUsPerRecord']): number | null {
  if (cpu.produceBroker === null || cpu.consumeBroker === null || p.orders === 0) return null;
  const us =
    (p.kafkaRecords / p.orders) * (cpu.produceClient + cpu.produceBroker) +
    (p.kafkaRecordsConsumed / p.orders) * (cpu.consumeClient + cpu.consumeBroker);
  return round(us / 1000, 3);
}

/** The pipeline against its ceilings, each a fraction (1 = at the ceiling). */
function ratios(run: PipelineRun, c: Ceilings): Record<string, number> {
  const u = run.unlimited;
  const ratio = (a: number, b: number) => round(a / b, 3);
  return {
    relayToProducer: ratio(c.relay.relayEventsPerSecond, c.kafka.produceRecordsPerSecond),
    /** Records the pipeline wrote per second at its fastest (unlimited phase) against the raw producer. */
    pipelineRecordsToProduceCeiling: ratio(u.kafkaRecords / u.seconds, c.kafka.produceRecordsPerSecond),
    /** Records its consumer groups read per second (unlimited) against the raw consumer. */
    pipelineRecordsToConsumeCeiling: ratio(u.kafkaRecordsConsumed / u.seconds, c.kafka.consumeRecordsPerSecond),
    /** Orders per second (unlimited) against no-op events per second: an order is several handled events. */
    ordersToNoopPipeline: ratio(u.ordersPerSecond, c.noop.eventsPerSecond),
    /** Events handled per second by the services (unlimited) against the no-op service's. */
    handledEventsToNoopPipeline: ratio(u.kafkaRecordsConsumed / u.seconds, c.noop.eventsPerSecond),
    /** PostgreSQL commits per second (unlimited) against pgbench's handler-shaped transactions per second. */
    pgCommitsToPgbench: ratio(u.pg.commits / u.seconds, c.pgbench.tps),
    sustainedToOffered: ratio(run.sustained.ordersPerSecond, run.sustained.rate ?? NaN),
  };
}

function peakRss(runs: PipelineRun[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs)
    for (const [s, v] of Object.entries(r.unlimited.peakRssMiB))
      out[s] = Math.max(out[s] ?? 0, Number.isNaN(v) ? 0 : v);
  return out;
}

function repeats(runs: PipelineRun[]): BenchDocument['repeats'] {
  const of = (f: (r: PipelineRun) => number) => spread(runs.map(f));
  const out: BenchDocument['repeats'] = {
    count: runs.length,
    ordersPerSecond: of((r) => r.sustained.ordersPerSecond),
    unlimitedOrdersPerSecond: of((r) => r.unlimited.ordersPerSecond),
    cpuSecondsPerOrder: of((r) => r.sustained.perOrder.cpuSeconds.total ?? NaN),
  };
  for (const rate of Object.keys(runs[0]?.paced ?? {})) {
    out[`latency${rate}P50`] = of((r) => r.paced[rate]?.latencyMs?.p50 ?? NaN);
    out[`latency${rate}P99`] = of((r) => r.paced[rate]?.latencyMs?.p99 ?? NaN);
  }
  return out;
}
