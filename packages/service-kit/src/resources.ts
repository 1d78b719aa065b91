import { EventCodec } from '@orderflow/contracts';
import { EventProducer, KafkaAdmin, createKafka, type InboundMessage, type KafkaClient } from '@orderflow/messaging';
import { EventProcessor } from '@orderflow/outbox';
import type { Pool } from 'pg';
import { DEMO_ADMIN_TOKEN, passwordOf, type BaseConfig } from './config';
import { bootstrapServiceDatabase, createPool, dbSchemaOf, migrate } from './db';
import type { ServiceDefinition, ServiceDeps } from './definition';
import { requireReadToken } from './http';
import { createLogger, type Logger } from './logger';
import { groupIdOf } from './consumers';
import { consumerAttributes, currentTraceparent, tracingEnabled, withConsumerSpan } from './tracing';

/** What a running service holds open: its database pool, Kafka clients, codec and the inbox/outbox processor. */
export interface Resources<C extends BaseConfig> {
  name: string;
  config: C;
  log: Logger;
  /** The service's own PostgreSQL schema. */
  schema: string;
  pool: Pool;
  kafka: KafkaClient;
  codec: EventCodec;
  producer: EventProducer;
  admin: KafkaAdmin;
  processor: EventProcessor;
  deps: ServiceDeps<C>;
}

/** The service's schema: configured, or its name with '-' as '_'. */
export function schemaOf(def: Pick<ServiceDefinition<BaseConfig>, 'name' | 'config'>): string {
  return def.config.DB_SCHEMA ?? dbSchemaOf(def.name);
}

/** Bootstraps and migrates the schema, then opens the pool, the producer and the admin client. */
export async function openResources<C extends BaseConfig>(def: ServiceDefinition<C>): Promise<Resources<C>> {
  const { config, name } = def;
  const log = createLogger(name, config.LOG_LEVEL);
  const schema = schemaOf(def);
  if (config.DATABASE_ADMIN_URL) {
    await bootstrapServiceDatabase(config.DATABASE_ADMIN_URL, schema, passwordOf(config.DATABASE_URL));
  }
  warnInsecureDefaults(config, log);
  const applied = await migrate(config.DATABASE_URL, schema, def.migrationsDir);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const pool = createPool(config.DATABASE_URL, config.DB_POOL_MAX, name, schema);

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: name, logger: log });
  const codec = new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, topicPrefix: config.TOPIC_PREFIX });
  const producer = new EventProducer(kafka, { compression: config.KAFKA_COMPRESSION });
  await producer.connect();
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  const processor = createProcessor(name, schema, pool, codec, groupIdOf(config, name), def.inbox);
  const deps: ServiceDeps<C> = { config, pool, log, processor, codec, readAccess: requireReadToken(config.READ_TOKEN) };
  return { name, config, log, schema, pool, kafka, codec, producer, admin, processor, deps };
}

/**
 * The inbox/outbox processor. With tracing on, each consumed record runs in a consumer span continuing its
 * producer's trace, and the rows it emits carry that span's traceparent; off, neither costs anything.
 */
function createProcessor(
  name: string,
  schema: string,
  pool: Pool,
  codec: EventCodec,
  groupId: string,
  inbox: boolean | undefined,
): EventProcessor {
  const tracing = tracingEnabled()
    ? {
        traceparent: currentTraceparent,
        around: <R>(message: InboundMessage, fn: () => Promise<R>) =>
          withConsumerSpan(`process ${message.topic}`, message.headers, consumerAttributes(message, groupId), fn),
      }
    : {};
  return new EventProcessor({ pool, schema, codec, source: name, inbox, ...tracing });
}

/** Closes what openResources opened, in reverse order. */
export async function closeResources(r: Resources<BaseConfig>): Promise<void> {
  await r.admin.disconnect().catch(() => undefined);
  await r.producer.disconnect();
  await r.pool.end();
}

/** Development mode runs with open read endpoints and the demo admin token; say so where operators look. */
function warnInsecureDefaults(config: BaseConfig & { ADMIN_TOKEN?: string }, log: Logger): void {
  if (config.ORDERFLOW_ENV !== 'development') return;
  if (!config.READ_TOKEN)
    log.warn('READ_TOKEN is not set: read endpoints with personal data are open (development mode only)');
  if (config.ADMIN_TOKEN === DEMO_ADMIN_TOKEN)
    log.warn('ADMIN_TOKEN is the demo token: admin routes are open to anyone who knows it (development mode only)');
}
