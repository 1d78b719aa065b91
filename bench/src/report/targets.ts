/**
 * Issue #10's targets, each judged against this run's figures. A target whose figure this run did not measure
 * (a rate not among BENCH_PACED_RATES, a shorter sustained phase) is not met: value null.
 */
import type { BenchDocument } from './document';

export interface Target {
  description: string;
  /** The bound, in the figure's unit; `atLeast`: the figure must reach it, else stay at or below it. */
  bound: number;
  atLeast: boolean;
  value: number | null;
  met: boolean;
}

function target(description: string, bound: number, atLeast: boolean, value: number | null | undefined): Target {
  const v = value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? null : value;
  return { description, bound, atLeast, value: v, met: v !== null && (atLeast ? v >= bound : v <= bound) };
}

export function targetsOf(d: Omit<BenchDocument, 'targets'>): Record<string, Target> {
  const s = d.sustained;
  // Sustained counts only if it was offered ≥ 1,000/s for ≥ 60 s, ended idle, and every order was fulfilled.
  const sustainedValid = (s.rate ?? 0) >= 1000 && d.settings.sustainedS >= 60 && s.drained && s.terminal?.missing === 0;
  const rssMax = Math.max(...Object.values(d.rssDuringSustainedMiB).map((r) => r.max));
  return {
    sustainedOrdersPerSecond: target(
      '≥ 1,000 orders/s sustained for ≥ 60 s after a warm-up, every order terminal, every group at lag 0',
      1000,
      true,
      sustainedValid ? d.ordersPerSecond : null,
    ),
    latency100P50: target('at 100 orders/s paced: created → fulfilled p50 ≤ 30 ms', 30, false, d.latency['100']?.p50),
    latency100P99: target('at 100 orders/s paced: created → fulfilled p99 ≤ 100 ms', 100, false, d.latency['100']?.p99),
    latency500P99: target('at 500 orders/s paced: created → fulfilled p99 ≤ 250 ms', 250, false, d.latency['500']?.p99),
    relayToProducer: target('relay ≥ 50 % of the raw producer rate', 0.5, true, d.ratios.relayToProducer),
    relayPickupP99: target('relay pickup latency p99 ≤ 20 ms', 20, false, d.ceilings.relayPickupMs.p99),
    rssAtSustained: target('no service above 150 MiB RSS at the sustained rate', 150, false, rssMax),
  };
}
