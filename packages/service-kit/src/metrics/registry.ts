import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's metrics: one service per process (a replica or a relay), labelled with its name. Instruments are
 * made once per process and kept across a restart of the service inside it (tests stop and start services), so
 * counters keep counting and nothing is registered twice.
 */
export const registry = new Registry();
let defaultsCollected = false;

/** Labels every series of this process with the service, and adds Node's process metrics (once). */
export function labelProcess(service: string): void {
  registry.setDefaultLabels({ service });
  if (!defaultsCollected) collectDefaultMetrics({ register: registry });
  defaultsCollected = true;
}

/** A counter on the service's registry (the same one if it exists already). */
export function metricCounter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  const seen = registry.getSingleMetric(name);
  if (seen) return seen as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** A histogram on the service's registry (the same one if it exists already). */
export function metricHistogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  const seen = registry.getSingleMetric(name);
  if (seen) return seen as Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

/** A gauge on the service's registry (the same one if it exists already). */
export function metricGauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const seen = registry.getSingleMetric(name);
  if (seen) return seen as Gauge<L>;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** Latency buckets from 1 ms to 10 s: handlers and database work. */
export const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Latency buckets from 5 ms to 5 min: hops and whole sagas, which include retries and deadlines. */
export const SLOW_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
