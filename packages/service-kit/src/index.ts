// First: the instrumentations must be installed before express and pg are loaded (see instrument.ts).
import './instrument';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { baseConfigSchema, loadConfig, passwordOf, DEMO_ADMIN_TOKEN } from './config';
export type { BaseConfig } from './config';
export { createPool, bootstrapServiceDatabase, serviceDatabaseUrl, migrate, roleOf, dbSchemaOf } from './db';
export { createHttpApp, HttpError, listen, notFound, parseInput, requireBearer, requireReadToken } from './http';
export { newPassword, passwordFile, readSecretFile, scramVerifier, tokenMatches, verifierMatches } from './secrets';
export { MAX_BODY_BYTES, MAX_URL_LENGTH } from './http-input';
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
  EventHandler,
  Handlers,
  RunningService,
  ServiceDefinition,
  ServiceDeps,
} from './runtime';
export { metricCounter, metricGauge, metricHistogram, FAST_BUCKETS, SLOW_BUCKETS } from './metrics';
export { periodicTask } from './periodic';
export { analyzeStaleTables, autovacuumRuns, tableStatisticsTask, vacuumDeadTables } from './statistics';
export type { PeriodicOptions } from './periodic';
