import { SLOW_BUCKETS, metricHistogram } from '@orderflow/service-kit';
import type { StageLatency } from './db/orders';

const stageSeconds = () =>
  metricHistogram(
    'orderflow_order_stage_seconds',
    "From an order's creation to each later stage it reached (event times), as analytics records them.",
    ['stage'],
    SLOW_BUCKETS,
  );

/**
 * Observes end-to-end stage latencies. Called inside the handler's transaction: a batch that rolls back and is
 * retried observes its orders twice, which a latency distribution tolerates (no figure here is a count of orders).
 */
export function observeStages(latencies: readonly StageLatency[]): void {
  if (latencies.length === 0) return;
  const h = stageSeconds();
  for (const l of latencies) h.observe({ stage: l.stage }, l.seconds);
}
