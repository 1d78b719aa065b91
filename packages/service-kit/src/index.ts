export { createLogger } from './logger';
export type { Logger } from './logger';
export { baseConfigSchema, loadConfig, passwordOf, DEMO_ADMIN_TOKEN } from './config';
export type { BaseConfig } from './config';
export { createPool, bootstrapServiceDatabase, serviceDatabaseUrl, migrate, roleOf, dbSchemaOf } from './db';
export { createHttpApp, HttpError, listen, notFound, parseInput, requireBearer, requireReadToken } from './http';
export { newPassword, passwordFile, readSecretFile, scramVerifier, tokenMatches, verifierMatches } from './secrets';
export { MAX_BODY_BYTES, MAX_URL_LENGTH } from './http-input';
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
