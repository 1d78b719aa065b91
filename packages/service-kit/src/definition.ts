import type { Server } from 'node:http';
import type { RequestHandler, Router } from 'express';
import type { Pool, PoolClient } from 'pg';
import type { EventCodec, EventMap, EventType } from '@orderflow/contracts';
import type { BatchItem, Emit, EventProcessor, HandlerContext } from '@orderflow/outbox';
import type { BaseConfig } from './config';
import type { Logger } from './logger';

/** A handler of one consumed event type: the business sentence, run inside the inbox/outbox transaction. */
export type EventHandler<T extends EventType> = (
  event: EventMap[T],
  ctx: HandlerContext & { log: Logger },
) => Promise<Emit[] | void>;

export type Handlers = { [T in EventType]?: EventHandler<T> };

/**
 * Handles all new events of one type in a consumed batch at once, with set-based statements (see Route.handleMany):
 * returns what each item emits, aligned with `items` (void when nothing is emitted). Must have the same effect as
 * its EventHandler, which still runs on the record-at-a-time path.
 */
export type BatchEventHandler<T extends EventType> = (
  items: BatchItem<EventMap[T]>[],
  ctx: { tx: PoolClient; log: Logger },
) => Promise<readonly (Emit[] | void)[] | void>;

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
  /**
   * How long the broker may hold the consumer's fetches to gather more records (ConsumerRunnerOptions.lingerMs): for
   * a service off an order's critical path, whose consumer would otherwise fetch once per record at low rates.
   * CONSUMER_LINGER_MS overrides it. @default 0
   */
  consumerLingerMs?: number;
  /** Per event type, replaces its handler on the batch path (see BatchEventHandler). */
  batchHandlers?: BatchHandlers;
  /**
   * false: the service's handlers keep redeliveries out by a unique key of their own that is the event id, so the
   * inbox claim would only repeat it (ProcessorOptions.inbox). Only for such handlers. @default true
   */
  inbox?: boolean;
  /**
   * Extra metrics lines (Prometheus text) of the service. Called in the background every METRICS_REFRESH_MS, not
   * per scrape, so it may query the service's tables; /metrics serves the last result.
   */
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
  /** Prometheus text lines (refreshed in the background with the service's own figures, not per scrape). */
  metrics?(): Promise<string>;
}

export interface RunningService {
  server: Server;
  port: number;
  stop(reason?: string): Promise<void>;
}
