/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Latency percentiles as the issue states its targets (p50, p90, p99, max), in whole milliseconds. */
export interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function latency(values: readonly number[]): Latency {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: Math.round(percentile(s, 50)),
    p90: Math.round(percentile(s, 90)),
    p99: Math.round(percentile(s, 99)),
    max: Math.round(s[s.length - 1] ?? NaN),
  };
}

/** p50/p95/p99/max, as the hop-latency benchmark prints them. */
export function summarize(values: readonly number[]) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

/** Spread of one figure over repeated runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: percentile(s, 50), max: s.at(-1) ?? NaN };
}

/** Rounds to `digits` significant decimals for the report (per-order CPU seconds are small numbers). */
export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Sum of a record's values. */
export function total(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
