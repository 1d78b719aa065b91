// First: the instrumentations must be installed before express and pg are loaded (see instrument.ts).
import './instrument';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { baseConfigSchema, loadConfig } from './config';
export type { BaseConfig } from './config';
export { createPool, bootstrapServiceDatabase, serviceDatabaseUrl, migrate, roleOf, dbSchemaOf } from './db';
export { createHttpApp, HttpError, notFound, parseInput, requireBearer } from './http';
export type { HealthCheck, HttpAppOptions } from './http';
export {
  initTracing,
  shutdownTracing,
  tracingEnabled,
  withConsumerSpan,
  withProducerSpans,
  withRecordSpans,
  currentTraceparent,
} from './tracing';
export { runService } from './runtime';
export type {
  BackgroundTask,
  BatchEventHandler,
  BatchHandlers,
  BatchPreparers,
  EventHandler,
  Handlers,
  RunningService,
  ServiceDefinition,
  ServiceDeps,
} from './runtime';
export { metricCounter, metricGauge, metricHistogram, FAST_BUCKETS, SLOW_BUCKETS } from './metrics';
export { periodicTask } from './periodic';
export type { PeriodicOptions } from './periodic';
