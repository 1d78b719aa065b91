import type { Server } from 'node:http';
import type { Express } from 'express';
import type { BaseConfig } from './config';
import { buildConsumer, groupIdOf } from './consumers';
import type { RunningService, ServiceDefinition } from './definition';
import { healthChecks } from './health';
import { createHttpApp } from './http';
import { metricsText } from './metrics';
import { buildRelay } from './relay';
import { closeResources, openResources } from './resources';
import { closeServer, exitOnSignals, shutdownPath } from './shutdown';
import { initTracing, shutdownTracing } from './tracing';

export type {
  BatchEventHandler,
  BatchHandlers,
  BatchPreparers,
  EventHandler,
  Handlers,
  RunningService,
  ServiceDefinition,
  ServiceDeps,
} from './definition';

/**
 * Wires a service: tracing → resources (schema, pool, Kafka, codec) → consumer → relay → HTTP → signals. The one
 * shutdown path: readiness turns 503 → HTTP stops accepting → consumer finishes its in-flight records and commits →
 * relay stops → producer closes → pool closes → telemetry flushes.
 */
export async function runService<C extends BaseConfig>(def: ServiceDefinition<C>): Promise<RunningService> {
  const { config, name } = def;
  initTracing(name);
  const r = await openResources(def);
  const consumer = buildConsumer(def, r);
  const relay = buildRelay(r);

  let draining = false;
  const app = createHttpApp({
    logger: r.log,
    checks: healthChecks(r, consumer, relay),
    draining: () => draining,
    routes: (router) => def.routes(router, r.deps),
    metrics: metricsText(def, r.deps, consumer, relay),
  });

  relay?.start();
  await consumer?.start();
  const server = await listen(app, config);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  r.log.info({ port, role: config.ROLE, groupId: groupIdOf(config, name), schema: r.schema }, `${name} started`);

  const stop = shutdownPath(r.log, () => (draining = true), [
    () => closeServer(server),
    async () => consumer?.stop(),
    async () => relay?.stop(),
    () => closeResources(r),
    shutdownTracing,
  ]);
  exitOnSignals(stop, config.SHUTDOWN_TIMEOUT_MS, r.log);
  return { server, port, stop };
}

function listen(app: Express, config: BaseConfig): Promise<Server> {
  return new Promise<Server>((resolve) => {
    const s = app.listen(config.HTTP_PORT, config.HTTP_HOST, () => resolve(s));
  });
}
