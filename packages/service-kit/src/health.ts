import type { ConsumerRunner } from '@orderflow/messaging';
import type { OutboxRelay } from '@orderflow/outbox';
import type { BaseConfig } from './config';
import type { BackgroundTask } from './definition';
import type { HealthCheck } from './http';
import type { Resources } from './resources';

/** Readiness: Postgres answers, Kafka is connected, and the consumer and relay (where this role runs them) are up. */
export function healthChecks(
  r: Resources<BaseConfig>,
  consumer: ConsumerRunner | undefined,
  relay: OutboxRelay | undefined,
  tasks: readonly BackgroundTask[],
): HealthCheck[] {
  const checks: HealthCheck[] = [
    { name: 'postgres', check: async () => (await r.pool.query('SELECT 1'), { ok: true }) },
    {
      name: 'kafka',
      check: async () => ({ ok: r.producer.isConnected && (await r.admin.listTopics()).length >= 0 }),
    },
  ];
  if (consumer)
    checks.push({
      name: 'consumer',
      check: async () => ({ ok: consumer.state === 'running', detail: consumer.stats() }),
    });
  for (const t of tasks) if (t.health) checks.push({ name: t.name, check: () => t.health!() });
  if (relay) {
    checks.push({
      name: 'outbox-relay',
      check: async () => ({
        ok: relay.status().role !== 'stopped',
        detail: { ...relay.status(), ...(await relay.backlog()) },
      }),
    });
  }
  return checks;
}
