import { z } from 'zod';
import { ConfigError } from '@orderflow/errors';

/**
 * Settings every service shares. Each is an environment variable; defaults suit the local infrastructure that
 * `npm run infra:up` starts.
 */
export const baseConfigSchema = z.object({
  /** Connection string with the service's own database role. */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/orderflow'),
  /** If set, the service creates its role and schema with this (superuser) connection before starting. */
  DATABASE_ADMIN_URL: z.string().url().optional(),
  /** Password given to the service role when DATABASE_ADMIN_URL creates it. */
  DATABASE_ROLE_PASSWORD: z.string().default('orderflow'),
  /** The service's schema; default: the service name with '-' as '_'. */
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  DB_POOL_MAX: z.coerce.number().int().positive().default(10),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim())),
  SCHEMA_REGISTRY_URL: z.string().url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** Prefix for every topic and consumer group (isolated environments and tests). */
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  /** Consumer group id; default: the prefixed service name. */
  CONSUMER_GROUP: z.string().optional(),
  KAFKA_COMPRESSION: z.enum(['none', 'gzip']).default('none'),
  PARTITIONS_CONCURRENCY: z.coerce.number().int().positive().default(3),
  /** Consecutive records of a partition handled in one database transaction (1 = one at a time). */
  CONSUMER_BATCH_SIZE: z.coerce.number().int().positive().max(1000).default(100),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  HTTP_HOST: z.string().default('0.0.0.0'),
  /** all: consumer + relay + HTTP; worker: consumer + HTTP; relay: relay + HTTP. */
  ROLE: z.enum(['all', 'worker', 'relay']).default('all'),
  RELAY_BATCH_SIZE: z.coerce.number().int().positive().default(500),
  RELAY_POLL_MS: z.coerce.number().int().positive().default(1000),
  /** How often consumer lag, outbox backlog and the service's own figures are refreshed for /metrics. */
  METRICS_REFRESH_MS: z.coerce.number().int().positive().default(5000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Parses the environment once at start with the service's schema (base + its own keys) and fails fast with every
 * problem named.
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const r = schema.safeParse(env);
  if (!r.success) {
    const issues = r.error.issues.map((i: z.ZodIssue) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  return r.data;
}
