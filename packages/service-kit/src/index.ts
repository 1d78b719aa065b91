export { createLogger } from './logger';
export type { Logger } from './logger';
export { baseConfigSchema, loadConfig } from './config';
export type { BaseConfig } from './config';
export { createPool, bootstrapServiceDatabase, serviceDatabaseUrl, migrate, roleOf, dbSchemaOf } from './db';
export { createHttpApp, HttpError, notFound, parseInput, requireBearer } from './http';
export type { HealthCheck, HttpAppOptions } from './http';
export { initTracing, shutdownTracing, withConsumerSpan, currentTraceparent } from './tracing';
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
export { periodicTask } from './periodic';
export type { PeriodicOptions } from './periodic';
