import type { ConsumerObserver } from '@orderflow/messaging';
import type { RelayMetrics } from '@orderflow/outbox';
import { FAST_BUCKETS, SLOW_BUCKETS, metricCounter, metricGauge, metricHistogram } from './registry';

/** The platform's own instruments: consumer runner, handlers, relay and outbox. Names are part of the ops contract
 * (ops/prometheus/rules.yml, ops/grafana/orderflow.json, README). */
export function platformInstruments() {
  return {
    processed: metricCounter(
      'orderflow_consumer_processed_total',
      'Records handled (offsets committed within the commit interval).',
      ['topic'],
    ),
    retried: metricCounter(
      'orderflow_consumer_retried_total',
      'Failed attempts that will be retried; infrastructure="true" when a dependency (database, broker) failed.',
      ['topic', 'kind', 'infrastructure'],
    ),
    deadLettered: metricCounter(
      'orderflow_consumer_dead_lettered_total',
      'Records sent to a dead-letter topic, by error code.',
      ['topic', 'code'],
    ),
    commits: metricCounter(
      'orderflow_consumer_offset_commits_total',
      'Offset commit requests (resolved offsets of all partitions, at most every commit interval); outcome="failed" means redelivery.',
      ['outcome'],
    ),
    handlerSeconds: metricHistogram(
      'orderflow_handler_duration_seconds',
      'Time in the handler transaction per event type; mode=batch observes one whole batch (once per event type in it).',
      ['event_type', 'mode'],
      FAST_BUCKETS,
    ),
    lag: metricGauge(
      'orderflow_consumer_lag',
      'Records behind the end of the partition (refreshed in the background).',
      ['group', 'topic', 'partition'],
    ),
    stalled: metricGauge(
      'orderflow_consumer_stalled_partitions',
      'Partitions paused because their next record keeps failing (refreshed in the background).',
      ['topic'],
    ),
    published: metricCounter('orderflow_outbox_published_total', 'Outbox rows published to Kafka.', ['topic']),
    pickupSeconds: metricHistogram(
      'orderflow_outbox_pickup_seconds',
      'From the outbox row being written to it being published (relay pickup latency).',
      [],
      SLOW_BUCKETS,
    ),
    pending: metricGauge('orderflow_outbox_pending', 'Unpublished outbox rows (refreshed in the background).'),
    oldestAge: metricGauge(
      'orderflow_outbox_oldest_pending_age_seconds',
      'Age of the oldest unpublished outbox row (refreshed in the background).',
    ),
    parked: metricGauge(
      'orderflow_outbox_parked',
      'Outbox rows parked because the broker refuses them for good (refreshed in the background).',
    ),
    leader: metricGauge('orderflow_relay_leader', '1 while this process holds the outbox relay lease.'),
  };
}

export type PlatformInstruments = ReturnType<typeof platformInstruments>;

/** The consumer runner's reports, as counter increments. */
export function consumerObserver(m: PlatformInstruments): ConsumerObserver {
  return {
    processed: (topic, n) => m.processed.inc({ topic }, n),
    retried: (topic, kind, infrastructure) => m.retried.inc({ topic, kind, infrastructure: String(infrastructure) }),
    deadLettered: (topic, code) => m.deadLettered.inc({ topic, code }),
    committed: (ok) => m.commits.inc({ outcome: ok ? 'ok' : 'failed' }),
  };
}

/** The relay's reports: published rows per topic and their pickup latency. */
export function relayMetrics(m: PlatformInstruments): RelayMetrics {
  return {
    published: (rows) => {
      const now = Date.now();
      const perTopic = new Map<string, number>();
      for (const r of rows) {
        perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
        m.pickupSeconds.observe(Math.max(0, now - r.createdAt) / 1000);
      }
      for (const [topic, n] of perTopic) m.published.inc({ topic }, n);
    },
  };
}
