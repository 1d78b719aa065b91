import { OutboxRelay } from '@orderflow/outbox';
import type { BaseConfig } from './config';
import { relayMetrics, type PlatformInstruments } from './metrics';
import type { Resources } from './resources';
import { tracingEnabled, withProducerSpans } from './tracing';

/** The outbox relay of the service's schema; none for the worker role (another process relays). */
export function buildRelay(r: Resources<BaseConfig>, m: PlatformInstruments): OutboxRelay | undefined {
  const { config } = r;
  if (config.ROLE === 'worker') return undefined;
  return new OutboxRelay({
    schema: r.schema,
    pool: r.pool,
    connectionString: config.DATABASE_URL,
    producer: r.producer,
    batchSize: config.RELAY_BATCH_SIZE,
    pollIntervalMs: config.RELAY_POLL_MS,
    markDelayMs: config.RELAY_MARK_DELAY_MS,
    maxRecordBytes: config.RELAY_MAX_RECORD_BYTES,
    logger: r.log,
    metrics: relayMetrics(m),
    ...(tracingEnabled() ? { aroundSend: withProducerSpans } : {}),
  });
}
