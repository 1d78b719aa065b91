import { z } from 'zod';
import { ConfigError } from '@orderflow/errors';
import { newPassword, readSecretFile } from './secrets';

/**
 * Settings every service shares. Each is an environment variable; defaults suit the local infrastructure that
 * `npm run infra:up` starts.
 */
export const baseConfigSchema = z.object({
  /** Connection string with the service's own database role. */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/orderflow'),
  /** If set, the service creates its role and schema with this (superuser) connection before starting. */
  DATABASE_ADMIN_URL: z.string().url().optional(),
  /**
   * Password of the service's role (or DATABASE_PASSWORD_FILE, e.g. a mounted Kubernetes Secret); replaces the one in
   * DATABASE_URL, and is the one DATABASE_ADMIN_URL gives the role. DATABASE_ROLE_PASSWORD is its older name.
   */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /**
   * development: the local demo and tests (open read endpoints, a demo admin token, generated passwords allowed, each
   * said in a warning); production: every secret must be set or the service refuses to start.
   * @default production if NODE_ENV=production, else development
   */
  ORDERFLOW_ENV: z.enum(['development', 'production']),
  /** Bearer token of the read endpoints that return personal data (or READ_TOKEN_FILE); unset: open (development). */
  READ_TOKEN: z.string().min(1).optional(),
  /** The service's schema; default: the service name with '-' as '_'. */
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  DB_POOL_MAX: z.coerce.number().int().positive().default(10),
  /** How often the service gathers statistics of its tables that changed enough (statistics.ts); 0: never. */
  DB_ANALYZE_INTERVAL_MS: z.coerce.number().int().min(0).default(10000),
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
  /** Handled records' offsets are committed together at most this often (a crash redelivers at most this much). */
  CONSUMER_COMMIT_INTERVAL_MS: z.coerce.number().int().positive().max(60000).default(250),
  /**
   * How long the broker may hold a fetch to gather more records (0: answered on the first record). Default: the
   * service's own, 0 on an order's critical path, 200 for notification and analytics (ServiceDefinition.consumerLingerMs).
   */
  CONSUMER_LINGER_MS: z.coerce.number().int().min(0).max(10000).optional(),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  HTTP_HOST: z.string().default('0.0.0.0'),
  /** all: consumer + relay + HTTP; worker: consumer + HTTP; relay: relay + HTTP. */
  ROLE: z.enum(['all', 'worker', 'relay']).default('all'),
  RELAY_BATCH_SIZE: z.coerce.number().int().positive().default(500),
  RELAY_POLL_MS: z.coerce.number().int().positive().default(1000),
  /**
   * How long a published batch may wait to leave the outbox with the next round's select (one statement for both);
   * 0: the next round comes at once. A crash within it publishes the batch again (at-least-once).
   */
  RELAY_MARK_DELAY_MS: z.coerce.number().int().min(0).max(10000).default(25),
  /** A row larger than this (payload, key, headers) is parked unsent: the broker's max.message.bytes would refuse it. */
  RELAY_MAX_RECORD_BYTES: z.coerce.number().int().positive().default(1_000_000),
  /** How often consumer lag, outbox backlog and the service's own figures are refreshed for /metrics. */
  METRICS_REFRESH_MS: z.coerce.number().int().positive().default(5000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Secrets that may also come from a file named by `<KEY>_FILE` (a mounted Kubernetes Secret). */
const FILE_SECRETS = ['DATABASE_PASSWORD', 'READ_TOKEN', 'ADMIN_TOKEN'] as const;
/** The only default secret, for the local demo; refused outside development. */
export const DEMO_ADMIN_TOKEN = 'dev-admin-token';
/** Tokens shorter than this are refused outside development. */
const MIN_TOKEN_LENGTH = 16;

/**
 * Parses the environment once at start with the service's schema (base + its own keys) and fails fast with every
 * problem named. Secrets are read from their `_FILE` if given; outside development every secret the service uses
 * must be set (and not the demo's), and the database password is folded into DATABASE_URL.
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const e = secretsFromFiles(env);
  const mode = e.ORDERFLOW_ENV ?? (e.NODE_ENV === 'production' ? 'production' : 'development');
  e.ORDERFLOW_ENV = mode;
  const hasAdminToken = schema instanceof z.ZodObject && 'ADMIN_TOKEN' in schema.shape;
  if (mode === 'development' && hasAdminToken) e.ADMIN_TOKEN ??= DEMO_ADMIN_TOKEN;
  const r = schema.safeParse(e);
  const issues = r.success ? [] : r.error.issues.map((i: z.ZodIssue) => `${i.path.join('.')}: ${i.message}`);
  if (r.success && mode === 'production') issues.push(...productionIssues(r.data as BaseConfig, hasAdminToken));
  if (!r.success || issues.length) throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  return withPassword(r.data as BaseConfig) as z.infer<S>;
}

function secretsFromFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...env };
  e.DATABASE_PASSWORD ??= env.DATABASE_ROLE_PASSWORD;
  for (const k of FILE_SECRETS) {
    const file = env[`${k}_FILE`];
    if (file && !e[k]) {
      try {
        e[k] = readSecretFile(file);
      } catch (err) {
        throw new ConfigError(`invalid configuration: ${k}_FILE: ${(err as Error).message}`);
      }
    }
  }
  return e;
}

function productionIssues(c: BaseConfig & { ADMIN_TOKEN?: string }, hasAdminToken: boolean): string[] {
  const issues: string[] = [];
  const token = (k: 'READ_TOKEN' | 'ADMIN_TOKEN', v: string | undefined) => {
    if (!v) issues.push(`${k}: required when ORDERFLOW_ENV=production`);
    else if (v === DEMO_ADMIN_TOKEN || v.length < MIN_TOKEN_LENGTH)
      issues.push(`${k}: the demo token or one shorter than ${MIN_TOKEN_LENGTH} characters is refused in production`);
  };
  token('READ_TOKEN', c.READ_TOKEN);
  if (hasAdminToken) token('ADMIN_TOKEN', c.ADMIN_TOKEN);
  if (hasAdminToken && c.READ_TOKEN && c.READ_TOKEN === c.ADMIN_TOKEN)
    issues.push('READ_TOKEN: must differ from ADMIN_TOKEN (a reader must not be an admin)');
  if (!c.DATABASE_PASSWORD && !new URL(c.DATABASE_URL).password)
    issues.push('DATABASE_PASSWORD: required when ORDERFLOW_ENV=production (or DATABASE_PASSWORD_FILE)');
  return issues;
}

/**
 * DATABASE_URL with the role's password in it. A service that bootstraps its own role in development without a
 * password gets a random one for this process.
 */
function withPassword<C extends BaseConfig>(c: C): C {
  const password =
    c.DATABASE_PASSWORD ?? (c.DATABASE_ADMIN_URL && !new URL(c.DATABASE_URL).password ? newPassword() : undefined);
  if (!password) return c;
  const u = new URL(c.DATABASE_URL);
  u.password = encodeURIComponent(password);
  return { ...c, DATABASE_URL: u.toString(), DATABASE_PASSWORD: password };
}

/** The password in a connection string, decoded (what the role's password is). */
export function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}
