import type { BaseConfig } from './config';
import { buildConsumer, consumedTopics, groupIdOf } from './consumers';
import type { BackgroundTask, RunningService, ServiceDefinition } from './definition';
import { healthChecks } from './health';
import { createHttpApp, listen } from './http';
import { BackgroundMetrics, labelProcess, platformInstruments, registry } from './metrics';
import { buildRelay } from './relay';
import { closeResources, openResources, type Resources } from './resources';
import { closeServer, exitOnSignals, shutdownPath } from './shutdown';
import { tableStatisticsTask } from './statistics';
import { initTracing, shutdownTracing } from './tracing';

export type {
  BackgroundTask,
  BatchEventHandler,
  BatchHandlers,
  EventHandler,
  Handlers,
  RunningService,
  ServiceDefinition,
  ServiceDeps,
} from './definition';

/**
 * Wires a service: tracing and metrics → resources (schema, pool, Kafka, codec) → background tasks → consumer →
 * relay → HTTP → signals. The one shutdown path: readiness turns 503 → HTTP stops accepting → consumer finishes its
 * in-flight records and commits → background tasks stop → relay stops → background metrics stop → producer closes →
 * pool closes → telemetry flushes.
 */
export async function runService<C extends BaseConfig>(def: ServiceDefinition<C>): Promise<RunningService> {
  const { config, name } = def;
  initTracing(name);
  labelProcess(name);
  const instruments = platformInstruments();
  const r = await openResources(def);
  const tasks = config.ROLE !== 'relay' ? (def.background?.(r.deps) ?? []) : [];
  if (config.ROLE !== 'relay' && config.DB_ANALYZE_INTERVAL_MS > 0) {
    tasks.push(tableStatisticsTask(r.pool, r.schema, config.DB_ANALYZE_INTERVAL_MS, r.log));
  }
  const consumer = buildConsumer(def, r, instruments, () => {
    for (const t of tasks) t.wake?.(); // a committed transaction may have left them work
  });
  const relay = buildRelay(r, instruments);
  if (relay) r.processor.useLocalRelay(relay); // worker and relay in one process: no NOTIFY needed while it leads
  const background = backgroundMetrics(def, r, instruments, consumer, relay, tasks);

  let draining = false;
  const app = createHttpApp({
    logger: r.log,
    checks: healthChecks(r, consumer, relay, tasks),
    draining: () => draining,
    routes: (router) => def.routes(router, r.deps),
    metrics: async () => (await registry.metrics()) + background.text(),
  });

  // Bind first: a port that is taken fails the start before anything consumes (readiness is 503 until running).
  const server = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  relay?.start();
  await consumer?.start();
  for (const t of tasks) t.start();
  background.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  r.log.info({ port, role: config.ROLE, groupId: groupIdOf(config, name), schema: r.schema }, `${name} started`);

  const stop = shutdownPath(r.log, () => (draining = true), [
    () => closeServer(server),
    async () => consumer?.stop(),
    async () => {
      for (const t of tasks) await t.stop();
    },
    async () => relay?.stop(),
    () => background.stop(),
    () => closeResources(r),
    shutdownTracing,
  ]);
  exitOnSignals(stop, config.SHUTDOWN_TIMEOUT_MS, r.log);
  return { server, port, stop };
}

/** Lag of this process's consumer group, the outbox backlog and the service's own figures, kept fresh off-scrape. */
function backgroundMetrics<C extends BaseConfig>(
  def: ServiceDefinition<C>,
  r: Resources<C>,
  instruments: ReturnType<typeof platformInstruments>,
  consumer: ReturnType<typeof buildConsumer>,
  relay: ReturnType<typeof buildRelay>,
  tasks: readonly BackgroundTask[],
): BackgroundMetrics {
  const { config } = r;
  const sources = [...tasks.map((t) => t.metrics?.bind(t)), def.metrics && (() => def.metrics!(r.deps))].filter(
    (f): f is () => Promise<string> => f !== undefined,
  );
  return new BackgroundMetrics(instruments, {
    admin: r.admin,
    ...(consumer
      ? {
          consumer: {
            groupId: groupIdOf(config, def.name),
            topics: consumedTopics(def, r.codec),
            stats: () => consumer.stats(),
          },
        }
      : {}),
    ...(relay ? { relay } : {}),
    ...(sources.length ? { extra: async () => (await Promise.all(sources.map((f) => f()))).join('\n') + '\n' } : {}),
    intervalMs: config.METRICS_REFRESH_MS,
    log: r.log,
  });
}
