/**
 * The real pipeline: the six services as processes (Platform, ROLE=all), topics with the catalog's partitions, 50
 * SKUs with stock that never runs out. Per repeat: a warm-up that is not reported with the rest, then the paced
 * rates, the sustained rate and the unlimited burst, each a phase that ends when the platform is idle. Latencies
 * are read from order.fulfilled once at the end.
 */
import { readTopic } from '@orderflow/messaging';
import { Platform, SERVICES } from '@orderflow/testing';
import { StatsDb } from '../pg-stats';
import { latency } from '../stats';
import type { Settings } from '../settings';
import { DrainWatch } from './drain';
import { LoadGenerator, type Sent } from './loadgen';
import { runPhase, type PhaseContext, type PhaseKind, type PhaseResult } from './phase';

/** One pass over the phases. */
export interface PipelineRun {
  warmup: PhaseResult;
  paced: Record<string, PhaseResult>;
  sustained: PhaseResult;
  unlimited: PhaseResult;
}

type Log = (line: string) => void;

export async function runPipeline(s: Settings, infra: { kafka?: number; registry?: number }, log: Log) {
  const p = new Platform();
  // Topics first, with the catalog's partitions: Platform.start() leaves existing topics as they are.
  await p.kafka.setup(s.partitions);
  // Interrupted (Ctrl-C): no service process, database or SMTP sink is left behind.
  const interrupted = () => void p.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  await p.start();
  const db = new StatsDb(p.databaseUrl, new URL(p.databaseUrl).pathname.slice(1));
  try {
    await db.open();
    const skus = Array.from({ length: s.skus }, (_, i) => `BENCH-SKU-${i}`);
    for (const sku of skus) await p.setStock(sku, 1_000_000_000);
    const pids: Record<string, number | undefined> = { ...infra };
    for (const svc of SERVICES) pids[svc] = p.pid(svc);
    const ctx: PhaseContext = { p, watch: new DrainWatch(p, db), db, pids, drainTimeoutMs: s.drainTimeoutS * 1000 };
    const { runs, notes } = await runPhases(ctx, s, new LoadGenerator(p, skus), log);
    return { runs, notes, settings: { databasePgStatStatements: db.hasStatements, logDir: p.logDir } };
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await db.close();
    await p.stop();
  }
}

/** Every repeat's phases, in order, each starting on an idle platform; then their latencies. */
async function runPhases(ctx: PhaseContext, s: Settings, gen: LoadGenerator, log: Log) {
  const runs: PipelineRun[] = [];
  const notes: string[] = [];
  const sent = new Map<PhaseResult, Sent>();
  const phase = async (kind: PhaseKind, rate: number | null, send: () => Promise<Sent>, last = false) => {
    log(`  ${kind}${rate ? ` ${rate}/s` : ''}…`);
    const r = await runPhase(ctx, kind, rate, send);
    sent.set(r.result, r.sent);
    log(`    ${r.result.orders} orders, ${r.result.ordersPerSecond}/s, drained: ${r.result.drained}`);
    if (!r.result.drained && !last) await settle(ctx, kind, notes, log);
    return r.result;
  };
  for (let i = 0; i < s.repeat; i++) {
    log(`pipeline, run ${i + 1} of ${s.repeat}`);
    const warmup = await phase('warmup', s.warmupRate, () => gen.paced(s.warmupRate, s.warmupS));
    const paced: Record<string, PhaseResult> = {};
    for (const rate of s.pacedRates) paced[rate] = await phase('paced', rate, () => gen.paced(rate, s.pacedS));
    const sustained = await phase('sustained', s.sustainedRate, () => gen.paced(s.sustainedRate, s.sustainedS));
    const unlimited = await phase('unlimited', null, () => gen.unlimited(s.unlimitedOrders), i === s.repeat - 1);
    runs.push({ warmup, paced, sustained, unlimited });
  }
  log('reading order.fulfilled for the latencies…');
  await addLatencies(ctx.p, sent);
  return { runs, notes };
}

/**
 * After a phase that did not end idle within the bound, the next one must not inherit its backlog: wait once more
 * (unmeasured, same bound) and say so in the document.
 */
async function settle(ctx: PhaseContext, kind: PhaseKind, notes: string[], log: Log): Promise<void> {
  log(`    not idle after ${ctx.drainTimeoutMs / 1000} s: waiting (unmeasured) before the next phase…`);
  const again = await ctx.watch.drained(ctx.drainTimeoutMs);
  notes.push(
    `the ${kind} phase was not idle within BENCH_DRAIN_TIMEOUT_S; ` +
      (again.drained ? 'the platform caught up before the next phase' : 'the next phase inherited its backlog'),
  );
}

/** created → fulfilled per phase, and whether each of its orders got there, from one read of order.fulfilled. */
async function addLatencies(p: Platform, sent: Map<PhaseResult, Sent>): Promise<void> {
  const fulfilledAt = new Map<string, number>();
  for (const r of await readTopic(p.kafka.kafka, p.kafka.topic('order.fulfilled'), { timeoutMs: 600_000 })) {
    const e = (await p.kafka.codec.decode('order.fulfilled', r.value)).event;
    fulfilledAt.set(e.orderId, e.metadata.occurredAt);
  }
  for (const [result, s] of sent) {
    const values: number[] = [];
    for (const [id, createdAt] of s.createdAt) {
      const at = fulfilledAt.get(id);
      if (at !== undefined) values.push(at - createdAt);
    }
    result.latencyMs = latency(values);
    result.terminal = { fulfilled: values.length, missing: s.createdAt.size - values.length };
  }
}
