import type { ConsumerRunner } from '@orderflow/messaging';
import type { OutboxRelay } from '@orderflow/outbox';
import type { BaseConfig } from './config';
import type { ServiceDefinition, ServiceDeps } from './definition';

/** Prometheus text of the consumer, the relay and the service's own figures. */
export function metricsText<C extends BaseConfig>(
  def: ServiceDefinition<C>,
  deps: ServiceDeps<C>,
  consumer: ConsumerRunner | undefined,
  relay: OutboxRelay | undefined,
): () => Promise<string> {
  const name = def.name;
  return async () => {
    const lines = [];
    if (consumer) {
      const s = consumer.stats();
      lines.push(`orderflow_consumer_processed_total{service="${name}"} ${s.processed}`);
      lines.push(`orderflow_consumer_dead_lettered_total{service="${name}"} ${s.deadLettered}`);
    }
    if (relay) {
      const b = await relay.backlog();
      lines.push(`orderflow_outbox_published_total{service="${name}"} ${relay.status().published}`);
      lines.push(`orderflow_outbox_pending{service="${name}"} ${b.pending}`);
      lines.push(`orderflow_outbox_oldest_pending_age_ms{service="${name}"} ${b.oldestAgeMs}`);
    }
    if (def.metrics) lines.push(await def.metrics(deps));
    return lines.join('\n') + '\n';
  };
}
