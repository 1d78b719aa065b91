import type { EventProducer } from './producer';
import type { StalledPartition } from './stalls';
import type { InboundMessage, Logger } from './types';

/** The consumer runner's options, handler types and stats (ConsumerRunner in consumer.ts). */

export type MessageHandler = (message: InboundMessage) => Promise<void>;

/**
 * Handles consecutive records of one partition together (one database transaction for all of them). All or
 * nothing: if it throws, none of them took effect and the runner handles them one by one instead, which isolates a
 * poison record (dead-letter) or waits out an outage (retry).
 */
export type BatchHandler = (messages: InboundMessage[]) => Promise<void>;

/** Callbacks the runner reports into (metrics); all optional and synchronous. */
export interface ConsumerObserver {
  processed?(topic: string, records: number, seconds: number): void;
  retried?(topic: string, kind: 'retriable' | 'unknown', infrastructure: boolean): void;
  deadLettered?(topic: string, code: string): void;
  /** One offset commit request: ok false when it failed (its records will be redelivered). */
  committed?(ok: boolean): void;
}

/**
 * What a lingering fetch waits for at most: about 1,400 of the platform's records, half of what a fetch may hold
 * (maxBytes), so a backlog is answered at once and a trickle after the linger.
 */
export const LINGER_MIN_BYTES = 1024 * 1024;

export interface ConsumerRunnerOptions {
  groupId: string;
  topics: readonly string[];
  /** Name of the consuming service, recorded on dead letters. */
  service: string;
  handler: MessageHandler;
  /** Optional: handles runs of up to `maxBatchSize` records at once for throughput (see BatchHandler). */
  batchHandler?: BatchHandler;
  /** Records per batchHandler call. @default 100 */
  maxBatchSize?: number;
  /** Producer used to write dead letters (the service's own producer). */
  deadLetterProducer: EventProducer;
  /** Dead-letter topic of a source topic. @default `${topic}.dlq` */
  deadLetterTopic?: (topic: string) => string;
  /** Partitions processed in parallel; order is kept within each partition (and so per order id). @default 3 */
  partitionsConsumedConcurrently?: number;
  /** Attempts for an error of unknown kind before it is dead-lettered. Retriable errors retry until stopped. @default 5 */
  maxUnknownAttempts?: number;
  /** First retry delay; doubles per attempt with jitter. @default 100 */
  retryInitialMs?: number;
  /** Longest retry delay (also the longest a stalled partition stays paused between attempts). @default 5000 */
  retryMaxMs?: number;
  /**
   * Attempts of a failing record made in place before its partition is paused and the consumer returns to its
   * other partitions (kafkajs fetches again only when every batch of the last fetch is done, so a record retried in
   * place forever would stall them all). The record is retried when the pause ends. @default 3
   */
  inPlaceAttempts?: number;
  /**
   * Time budget of one fetched batch: past it, the rest of the batch is left unresolved and fetched again, so the
   * consumer gets back to its other partitions. Heartbeats are sent throughout, whatever the budget. @default 5000
   */
  maxBatchTimeMs?: number;
  /** Where a new group starts. @default true (earliest: nothing published before the first start is missed) */
  fromBeginning?: boolean;
  /**
   * How long the group waits for a silent member (a crashed process) before giving its partitions to others.
   * @default 10000
   */
  sessionTimeoutMs?: number;
  /** @default 1000 (heartbeats are also sent while a handler runs, at this interval) */
  heartbeatIntervalMs?: number;
  /**
   * Resolved offsets are committed together at most this often, and when the consumer stops or its group starts
   * rebalancing (see OffsetCommits). A crash redelivers at most this much. @default 250
   */
  commitIntervalMs?: number;
  /**
   * How long the broker may hold a fetch to gather more records before answering (the fetch's max wait, with a
   * minimum of LINGER_MIN_BYTES). 0: answered as soon as one record is there, which is what a consumer on an
   * order's critical path wants; a consumer off it (projections, mail) spends far less CPU, its own and the
   * broker's, by taking records in fewer, larger fetches: every fetch carries every partition the consumer reads.
   * Under a backlog fetches fill at once either way. @default 0
   */
  lingerMs?: number;
  observer?: ConsumerObserver;
  logger?: Logger;
}

export type ConsumerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

export interface ConsumerStats {
  state: ConsumerState;
  processed: number;
  deadLettered: number;
  /** Failed attempts caused by the infrastructure (database, broker): alert-worthy when it keeps growing. */
  infrastructureErrors: number;
  /** Times this member joined the group (1 at start; more means rebalances). */
  groupJoins: number;
  /** Partitions paused because their next record keeps failing. */
  stalled: StalledPartition[];
  lastError?: string;
}
