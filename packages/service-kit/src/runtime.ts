import type { Server } from 'node:http';
import type { RequestHandler, Router } from 'express';
import type { Pool, PoolClient } from 'pg';
import { EventCodec, type EventMap, type EventType } from '@orderflow/contracts';
import { ConsumerRunner, EventProducer, KafkaAdmin, createKafka, type InboundMessage } from '@orderflow/messaging';
import {
  EventProcessor,
  OutboxRelay,
  type BatchItem,
  type Emit,
  type HandlerContext,
  type Route,
} from '@orderflow/outbox';
import { DEMO_ADMIN_TOKEN, passwordOf, type BaseConfig } from './config';
import { bootstrapServiceDatabase, createPool, migrate } from './db';
import { createHttpApp, listen, requireReadToken, type HealthCheck } from './http';
import { createLogger, type Logger } from './logger';
import { currentTraceparent, initTracing, shutdownTracing, withConsumerSpan } from './tracing';

/** A handler of one consumed event type: the business sentence, run inside the inbox/outbox transaction. */
export type EventHandler<T extends EventType> = (
  event: EventMap[T],
  ctx: HandlerContext & { log: Logger },
) => Promise<Emit[] | void>;

export type Handlers = { [T in EventType]?: EventHandler<T> };

/** Batch preparation per consumed event type (see Route.prepare): lock what the batch will touch, in order. */
export type BatchPreparers = { [T in EventType]?: (tx: PoolClient, events: EventMap[T][]) => Promise<void> };

/**
 * Handles all new events of one type in a consumed batch at once, with set-based statements: for a listener that
 * only records and emits nothing (see Route.handleMany). Must have the same effect as its EventHandler.
 */
export type BatchEventHandler<T extends EventType> = (
  items: BatchItem<EventMap[T]>[],
  ctx: { tx: PoolClient; log: Logger },
) => Promise<void>;

export type BatchHandlers = { [T in EventType]?: BatchEventHandler<T> };

/** What a service's HTTP routes and extra wiring get to work with. */
export interface ServiceDeps<C extends BaseConfig> {
  config: C;
  pool: Pool;
  log: Logger;
  processor: EventProcessor;
  codec: EventCodec;
  /** Guard of read routes that return personal data (READ_TOKEN; open in development without one). */
  readAccess: RequestHandler;
}

export interface ServiceDefinition<C extends BaseConfig> {
  name: string;
  config: C;
  /** Directory of the service's SQL migrations. */
  migrationsDir: string;
  /** Consumed event types and their handlers. */
  handlers: Handlers;
  /** Query (and admin) routes. */
  routes: (router: Router, deps: ServiceDeps<C>) => void;
  /**
   * Records handled per database transaction. 1 turns batching off: for a service whose handlers lock shared rows
   * (inventory), where a long transaction over many orders would only add lock waits and deadlocks.
   * @default config.CONSUMER_BATCH_SIZE
   */
  consumerBatchSize?: number;
  /** Per event type, runs once per batch before its handlers (lock ordering for batched transactions). */
  prepareBatch?: BatchPreparers;
  /** Per event type, replaces its handler on the batch path (see BatchEventHandler). */
  batchHandlers?: BatchHandlers;
  /** Extra metrics lines (Prometheus text) of the service. */
  metrics?: (deps: ServiceDeps<C>) => Promise<string>;
  /**
   * Work of the service that runs beside its consumer (in the worker role), e.g. delivering what a handler decided
   * once its transaction committed. Started after the consumer, stopped after it (before the pool closes).
   */
  background?: (deps: ServiceDeps<C>) => BackgroundTask[];
}

/** A loop of a service's own beside the consumer (see ServiceDefinition.background). */
export interface BackgroundTask {
  name: string;
  start(): void;
  /** Finishes in-flight work and stops. */
  stop(): Promise<void>;
  /** Called after every committed consumer transaction: there may be new work. */
  wake?(): void;
  /** Readiness check; its detail shows in /health/ready. */
  health?(): Promise<{ ok: boolean; detail?: unknown }>;
  /** Prometheus text lines. */
  metrics?(): Promise<string>;
}

export interface RunningService {
  server: Server;
  port: number;
  stop(reason?: string): Promise<void>;
}

/**
 * Wires a service: config → pool → migrations → Kafka (codec, producer, consumer, relay) → HTTP. The one shutdown
 * path: readiness turns 503 → HTTP stops accepting → consumer finishes its in-flight records and commits → relay
 * stops → producer closes → pool closes → telemetry flushes.
 */
export async function runService<C extends BaseConfig>(def: ServiceDefinition<C>): Promise<RunningService> {
  const { config, name } = def;
  initTracing(name);
  const log = createLogger(name, config.LOG_LEVEL);
  const schema = config.DB_SCHEMA ?? name.replace(/-/g, '_');
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
  const processor = new EventProcessor({
    pool,
    schema,
    codec,
    source: name,
    traceparent: currentTraceparent,
    around: (message, fn) =>
      withConsumerSpan(
        `process ${message.topic}`,
        message.headers,
        {
          'messaging.system': 'kafka',
          'messaging.destination.name': message.topic,
          'messaging.kafka.message.key': message.key ?? '',
        },
        fn,
      ),
  });
  const deps: ServiceDeps<C> = { config, pool, log, processor, codec, readAccess: requireReadToken(config.READ_TOKEN) };

  const runsConsumer = config.ROLE !== 'relay' && Object.keys(def.handlers).length > 0;
  const runsRelay = config.ROLE !== 'worker';
  const groupId = config.CONSUMER_GROUP ?? `${config.TOPIC_PREFIX}${name}`;
  const tasks = config.ROLE !== 'relay' ? (def.background?.(deps) ?? []) : [];
  const afterCommit = () => {
    for (const t of tasks) t.wake?.();
  };
  const consumer = runsConsumer
    ? new ConsumerRunner(kafka, {
        groupId,
        service: name,
        topics: (Object.keys(def.handlers) as EventType[]).map((t) => codec.topicOf(t)),
        ...dispatchers(def, processor, codec, log, afterCommit),
        maxBatchSize: def.consumerBatchSize ?? config.CONSUMER_BATCH_SIZE,
        deadLetterProducer: producer,
        partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENCY,
        logger: log,
      })
    : undefined;
  const relay = runsRelay
    ? new OutboxRelay({
        schema,
        pool,
        connectionString: config.DATABASE_URL,
        producer,
        batchSize: config.RELAY_BATCH_SIZE,
        pollIntervalMs: config.RELAY_POLL_MS,
        logger: log,
      })
    : undefined;

  let draining = false;
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  const checks: HealthCheck[] = [
    { name: 'postgres', check: async () => (await pool.query('SELECT 1'), { ok: true }) },
    {
      name: 'kafka',
      check: async () => ({ ok: producer.isConnected && (await admin.listTopics()).length >= 0 }),
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
  const app = createHttpApp({
    logger: log,
    checks,
    draining: () => draining,
    routes: (router) => def.routes(router, deps),
    metrics: async () => {
      const lines = [];
      if (consumer) {
        const s = consumer.stats();
        lines.push(`orderflow_consumer_processed_total{service="${name}"} ${s.processed}`);
        lines.push(`orderflow_consumer_dead_lettered_total{service="${name}"} ${s.deadLettered}`);
      }
      if (relay) {
        const b = await relay.backlog();
        lines.push(`orderflow_outbox_published_total{service="${name}"} ${relay.status().published}`);
        lines.push(`orderflow_outbox_pending{service="${name}"} ${b.pending}`);
        lines.push(`orderflow_outbox_oldest_pending_age_ms{service="${name}"} ${b.oldestAgeMs}`);
        lines.push(`orderflow_outbox_parked{service="${name}"} ${b.parked}`);
      }
      for (const t of tasks) if (t.metrics) lines.push(await t.metrics());
      if (def.metrics) lines.push(await def.metrics(deps));
      return lines.join('\n') + '\n';
    },
  });

  // Bind first: a port that is taken fails the start before anything consumes (readiness is 503 until running).
  const server = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  relay?.start();
  await consumer?.start();
  for (const t of tasks) t.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  log.info({ port, role: config.ROLE, groupId, schema }, `${name} started`);

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop') =>
    (stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      draining = true;
      // close() waits for every connection to end: a keep-alive client polling the service (a gateway, a scraper)
      // would hold it open until the hard timeout. Idle ones go now, in-flight requests get a second.
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
      await closed;
      await consumer?.stop();
      for (const t of tasks) await t.stop();
      await relay?.stop();
      await admin.disconnect().catch(() => undefined);
      await producer.disconnect();
      await pool.end();
      await shutdownTracing();
      log.info('stopped');
    })());
  // Started by a supervisor with an IPC channel (npm start): when the supervisor is gone, even by kill -9, so are we.
  if (process.send && process.env.ORDERFLOW_SUPERVISED === '1') {
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      const timer = setTimeout(() => {
        log.error('shutdown timed out; exiting');
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      stop(sig).then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { server, port, stop };
}

/** Development mode runs with open read endpoints and the demo admin token; say so where operators look. */
function warnInsecureDefaults(config: BaseConfig & { ADMIN_TOKEN?: string }, log: Logger): void {
  if (config.ORDERFLOW_ENV !== 'development') return;
  if (!config.READ_TOKEN)
    log.warn('READ_TOKEN is not set: read endpoints with personal data are open (development mode only)');
  if (config.ADMIN_TOKEN === DEMO_ADMIN_TOKEN)
    log.warn('ADMIN_TOKEN is the demo token: admin routes are open to anyone who knows it (development mode only)');
}

/** Routes by topic to the handlers, each given a logger that carries the order. */
function routesOf(def: ConsumingDefinition, codec: EventCodec, log: Logger): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [type, handler] of Object.entries(def.handlers) as [EventType, EventHandler<EventType>][]) {
    const prep = def.prepareBatch?.[type] as Route['prepare'] | undefined;
    const many = def.batchHandlers?.[type] as BatchEventHandler<EventType> | undefined;
    const typeLog = log.child({ eventType: type }); // once per route, not once per batch
    routes.set(codec.topicOf(type), {
      type,
      ...(prep ? { prepare: prep } : {}),
      ...(many ? { handleMany: (tx, items) => many(items, { tx, log: typeLog }) } : {}),
      handle: (event: never, ctx: HandlerContext) => {
        const child = log.child({
          orderId: ctx.message.key,
          correlationId: ctx.metadata.correlationId,
          eventId: ctx.metadata.eventId,
          eventType: type,
        });
        return handler(event, { ...ctx, log: child });
      },
    });
  }
  return routes;
}

/** The record-at-a-time handler and the batch handler of the consumer runner. */
type ConsumingDefinition = Pick<ServiceDefinition<BaseConfig>, 'handlers' | 'prepareBatch' | 'batchHandlers'>;

function dispatchers(
  def: ConsumingDefinition,
  processor: EventProcessor,
  codec: EventCodec,
  log: Logger,
  afterCommit: () => void,
) {
  const routes = routesOf(def, codec, log);
  const single = new Map([...routes].map(([topic, r]) => [topic, processor.on(r.type, r.handle as never)]));
  const batch = processor.batch((topic) => routes.get(topic));
  return {
    handler: async (message: InboundMessage) => {
      const handle = single.get(message.topic);
      if (!handle) throw new Error(`no handler for topic ${message.topic}`);
      if ((await handle(message)) === 'duplicate') {
        log.info({ orderId: message.key, topic: message.topic, offset: message.offset }, 'duplicate event ignored');
      } else afterCommit();
    },
    batchHandler: async (messages: InboundMessage[]) => {
      const { duplicates } = await batch(messages);
      if (duplicates) log.info({ topic: messages[0]?.topic, duplicates }, 'duplicate events ignored');
      afterCommit();
    },
  };
}
