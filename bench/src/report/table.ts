/** The run as text for a terminal: phases, ceilings and ratios, per-order costs, memory, targets. */
import type { PhaseResult } from '../pipeline/phase';
import type { BenchDocument } from './document';

/** Left-aligned first column, right-aligned figures. */
export function columns(rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '–' : String(c))));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);
/** Seconds as milliseconds, for per-order CPU. */
const perMs = (v: number | null | undefined, digits: number) => (v == null ? null : (v * 1000).toFixed(digits));

function phaseRow(name: string, p: PhaseResult): (string | number | null)[] {
  const l = p.latencyMs;
  return [
    name,
    p.rate ?? 'max',
    p.orders,
    p.seconds,
    p.ordersPerSecond,
    ms(l?.p50),
    ms(l?.p90),
    ms(l?.p99),
    ms(l?.max),
    p.terminal ? `${p.terminal.fulfilled}/${p.orders}` : null,
    p.drained ? 'yes' : 'NO',
    (p.otherWorkCpuSeconds / p.seconds).toFixed(2),
    perMs(p.perOrder.cpuSeconds.total, 1),
    p.perOrder.wakeups?.total ?? null,
    p.perOrder.pgStatements,
    p.perOrder.pgCommits,
    p.perOrder.pgWalRecords ?? null,
    p.perOrder.pgWalBytes ?? null,
    p.perOrder.pgWalFullPages ?? null,
    p.perOrder.kafkaRecords,
  ];
}

function phases(d: BenchDocument): string {
  // "others' cores": CPU that other work on the machine used meanwhile, in cores (contention behind the figures).
  const head = ['phase', 'offered/s', 'orders', 'seconds', 'orders/s', 'p50 ms', 'p90', 'p99', 'max', 'fulfilled'];
  head.push('idle', "others' cores", 'cpu ms/order', 'wake-ups/order', 'stmts/order', 'commits/order');
  head.push('WAL recs/order', 'WAL B/order', 'full pages/order', 'records/order');
  const rows: (string | number | null)[][] = [head];
  d.runs.forEach((r, i) => {
    const tag = d.runs.length > 1 ? ` #${i + 1}` : '';
    rows.push(phaseRow(`warm-up${tag}`, r.warmup));
    for (const [rate, p] of Object.entries(r.paced)) rows.push(phaseRow(`paced ${rate}${tag}`, p));
    rows.push(phaseRow(`sustained${tag}`, r.sustained), phaseRow(`unlimited${tag}`, r.unlimited));
  });
  return columns(rows);
}

const kafkaCpu = (client: number, broker: number | null) => `${client} + ${broker ?? '?'}`;

function ceilings(d: BenchDocument): string {
  const c = d.ceilings;
  const k = c.kafkaCpuUsPerRecord;
  const r = d.ratios;
  return columns([
    ['ceiling', 'rate', 'pipeline ratio'],
    [
      `kafkajs produce (records/s; CPU µs/record client + broker ${kafkaCpu(k.produceClient, k.produceBroker)})`,
      c.kafkaProduceRecordsPerSecond,
      r.pipelineRecordsToProduceCeiling ?? null,
    ],
    [
      `kafkajs consume (records/s; CPU µs/record client + broker ${kafkaCpu(k.consumeClient, k.consumeBroker)})`,
      c.kafkaConsumeRecordsPerSecond,
      r.pipelineRecordsToConsumeCeiling ?? null,
    ],
    ["Kafka alone for an order's records, at those costs (CPU ms)", c.kafkaCpuMsPerOrder ?? 'not measured', null],
    [`pgbench (tx/s, ${c.pgbenchStatementsPerTx} stmts/tx)`, c.pgbenchTps, r.pgCommitsToPgbench ?? null],
    [
      `no-op service (events/s; ${perMs(c.details.noop.cpuSecondsPerEvent.service, 2)} ms CPU/event)`,
      c.noopPipelineEventsPerSecond,
      r.ordersToNoopPipeline ?? null,
    ],
    [
      `no-op service paced ${c.details.noop.paced.rate}/s: CPU ms/event alone / in bursts of ${c.details.noop.paced.burst}`,
      `${c.noopCpuMsPerEvent.pacedAlone} / ${c.noopCpuMsPerEvent.pacedBursts}`,
      null,
    ],
    [
      `no-op service paced ${c.details.noop.paced.rate}/s: wake-ups/event alone / in bursts (service, PostgreSQL, broker)`,
      `${c.details.noop.paced.alone.wakeups.total} / ${c.details.noop.paced.bursts.wakeups.total}`,
      null,
    ],
    ['relay (events/s; ratio: to producer)', c.relayEventsPerSecond, r.relayToProducer ?? null],
    ['relay pickup p50 / p99 (ms)', `${c.relayPickupMs.p50} / ${c.relayPickupMs.p99}`, null],
    [
      `machine: µs per write(2) / CPU µs per round trip, back to back / after ${c.details.wakeup.gapMs} ms idle`,
      `${c.machineUs.writeSyscall} / ${c.machineUs.roundTripCpu} / ${c.machineUs.roundTripAfterIdleCpu}`,
      null,
    ],
  ]);
}

function perProcess(d: BenchDocument): string {
  const rows: (string | number | null)[][] = [
    ['process', 'cpu ms/order', 'wake-ups/order', 'RSS max MiB', 'peak RSS MiB'],
  ];
  for (const [name, v] of Object.entries(d.perOrder.cpuSeconds)) {
    const woken = d.perOrder.wakeups?.[name] ?? null;
    rows.push([name, perMs(v, 2), woken, d.rssDuringSustainedMiB[name]?.max ?? null, d.peakRssMiB[name] ?? null]);
  }
  return columns(rows);
}

/** With BENCH_REPEAT: min / median / max of the headline figures over the runs. */
function repeats(d: BenchDocument): string[] {
  if (d.repeats.count < 2) return [];
  const rows: (string | number | null)[][] = [['over runs', 'min', 'median', 'max']];
  for (const [k, v] of Object.entries(d.repeats)) if (typeof v === 'object') rows.push([k, v.min, v.median, v.max]);
  return [columns(rows), ''];
}

function targets(d: BenchDocument): string {
  return Object.values(d.targets)
    .map((t) => `${t.met ? 'met    ' : 'NOT met'}  ${t.description} (this run: ${t.value ?? 'not measured'})`)
    .join('\n');
}

export function renderTable(d: BenchDocument): string {
  const m = d.machine;
  return [
    `orderflow bench ${d.settings.profile} — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}, ` +
      `Linux ${m.kernel}, PostgreSQL ${m.postgres ?? '?'} over ${m.postgresTransport}, Kafka ${m.kafka ?? '?'} — git ${d.git.sha?.slice(0, 10) ?? '?'}` +
      `${d.git.dirty ? ' (dirty)' : ''} — load ${m.loadAverage} at start`,
    '',
    `sustained: ${d.ordersPerSecond} orders/s (offered ${d.sustained.rate}/s for ${d.settings.sustainedS} s)` +
      `; unlimited: ${d.unlimited.ordersPerSecond} orders/s`,
    '',
    phases(d),
    '',
    ...repeats(d),
    ceilings(d),
    '',
    'per order, sustained phase:',
    perProcess(d),
    '',
    targets(d),
    ...(d.notes.length ? ['', ...d.notes.map((n) => `note: ${n}`)] : []),
    '',
  ].join('\n');
}
