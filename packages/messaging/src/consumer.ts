import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { errorCode, errorMessage, retriability } from '@orderflow/errors';
import { toInbound } from './kafka';
import type { EventProducer } from './producer';
import type { InboundMessage, Logger } from './types';
import { silentLogger } from './types';

export type MessageHandler = (message: InboundMessage) => Promise<void>;

/**
 * Handles consecutive records of one partition together (one database transaction for all of them). All or
 * nothing: if it throws, none of them took effect and the runner handles them one by one instead, which isolates a
 * poison record (dead-letter) or waits out an outage (retry).
 */
export type BatchHandler = (messages: InboundMessage[]) => Promise<void>;

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
  /** @default 5000 */
  retryMaxMs?: number;
  /** Where a new group starts. @default true (earliest: nothing published before the first start is missed) */
  fromBeginning?: boolean;
  /**
   * How long the group waits for a silent member (a crashed process) before giving its partitions to others.
   * @default 10000
   */
  sessionTimeoutMs?: number;
  logger?: Logger;
}

export type ConsumerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/**
 * Runs a consumer group over batches. Per partition, records are handled strictly in order; an offset is resolved
 * only after its handler returned (that is, after the service's database commit), so committed offsets are always
 * contiguous and a crash can only cause redelivery, never loss. Failures:
 *  - retriable (broker or database away, timeouts): retried in place with backoff until it works or the consumer
 *    stops, so the partition pauses rather than skipping;
 *  - permanent (undecodable bytes, unknown schema id, business-invalid payload): written to the dead-letter topic
 *    with headers naming the error, service and original coordinates; then the partition moves on;
 *  - unknown: retried `maxUnknownAttempts` times, then dead-lettered.
 */
export class ConsumerRunner {
  private consumer: Consumer;
  private readonly o: Required<Omit<ConsumerRunnerOptions, 'logger' | 'batchHandler'>> & {
    logger: Logger;
    batchHandler?: BatchHandler;
  };
  private currentState: ConsumerState = 'idle';
  private lastError: string | undefined;
  private processed = 0;
  private deadLettered = 0;

  private recoveryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    opts: ConsumerRunnerOptions,
  ) {
    this.o = {
      deadLetterTopic: (t) => `${t}.dlq`,
      maxBatchSize: 100,
      partitionsConsumedConcurrently: 3,
      maxUnknownAttempts: 5,
      retryInitialMs: 100,
      retryMaxMs: 5000,
      fromBeginning: true,
      sessionTimeoutMs: 10000,
      logger: silentLogger,
      ...opts,
    };
    this.consumer = this.createConsumer();
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.lastError = String(e.payload.error?.message ?? e.payload.error);
      this.o.logger.error({ err: this.lastError, restart: e.payload.restart }, 'consumer crashed');
      // kafkajs restarts itself after retriable errors only; after any other crash it stays down. A service whose
      // consumer is dead but whose process lives would never catch up, so we start a fresh consumer ourselves.
      if (!e.payload.restart && consumer === this.consumer && this.currentState === 'running') {
        this.currentState = 'crashed';
        this.scheduleRecovery(1);
      }
    });
    return consumer;
  }

  private scheduleRecovery(attempt: number): void {
    const delay = Math.min(this.o.retryMaxMs, this.o.retryInitialMs * 2 ** Math.min(attempt, 16));
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      void this.recover(attempt);
    }, delay);
  }

  private async recover(attempt: number): Promise<void> {
    if (this.currentState !== 'crashed') return;
    const dead = this.consumer;
    await dead.disconnect().catch(() => undefined);
    this.consumer = this.createConsumer();
    try {
      await this.run();
      // run() may have raced a stop(); TypeScript cannot see that across the await.
      if ((this.currentState as ConsumerState) !== 'running') await this.consumer.disconnect();
      else this.o.logger.warn({ attempt }, 'consumer recovered after a crash');
    } catch (err) {
      this.lastError = errorMessage(err);
      this.o.logger.error({ err: this.lastError, attempt }, 'consumer recovery failed; retrying');
      if (this.currentState === 'crashed') this.scheduleRecovery(attempt + 1);
    }
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  stats(): { state: ConsumerState; processed: number; deadLettered: number; lastError?: string } {
    return {
      state: this.currentState,
      processed: this.processed,
      deadLettered: this.deadLettered,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  async start(): Promise<void> {
    this.currentState = 'starting';
    await this.run();
  }

  private async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.o.topics], fromBeginning: this.o.fromBeginning });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 500,
      autoCommitThreshold: 200,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    if (this.currentState === 'starting' || this.currentState === 'crashed') this.currentState = 'running';
  }

  /** Finishes the in-flight record of each partition, commits resolved offsets and leaves the group. */
  async stop(): Promise<void> {
    if (this.currentState === 'stopped' || this.currentState === 'idle') return;
    this.currentState = 'stopping';
    clearTimeout(this.recoveryTimer);
    await this.consumer.disconnect();
    this.currentState = 'stopped';
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const live = () => isRunning() && !isStale();
    const messages = batch.messages.map((raw) => toInbound(batch.topic, batch.partition, raw));
    const size = this.o.batchHandler ? this.o.maxBatchSize : 1;
    for (let i = 0; i < messages.length; i += size) {
      if (!live()) return;
      const chunk = messages.slice(i, i + size);
      if (chunk.length > 1 && (await this.tryBatch(chunk))) {
        resolveOffset(chunk[chunk.length - 1]!.offset);
        this.processed += chunk.length;
      } else {
        for (const message of chunk) {
          if (!live()) return;
          const done = await this.processWithRetry(message, live, heartbeat);
          if (!done) return; // stopping or rebalanced: leave the offset unresolved, it will be redelivered
          resolveOffset(message.offset);
          this.processed += 1;
        }
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** One all-or-nothing attempt at a run of records; false sends them through the one-by-one path. */
  private async tryBatch(chunk: InboundMessage[]): Promise<boolean> {
    try {
      await this.o.batchHandler!(chunk);
      return true;
    } catch (err) {
      this.o.logger.info(
        { topic: chunk[0]!.topic, partition: chunk[0]!.partition, records: chunk.length, err: errorMessage(err) },
        'batch failed; handling its records one by one',
      );
      return false;
    }
  }

  /** @returns true when the record was handled or dead-lettered; false when we must stop without resolving it. */
  private async processWithRetry(
    message: InboundMessage,
    live: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const log = this.o.logger;
    // Only unknown failures count towards maxUnknownAttempts: retries during an outage must not use up the budget
    // of an error that follows it.
    let unknownFailures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.handler(message);
        return true;
      } catch (err) {
        const kind = retriability(err);
        if (kind === 'unknown') unknownFailures += 1;
        const coords = { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key };
        if (kind === 'permanent' || (kind === 'unknown' && unknownFailures >= this.o.maxUnknownAttempts)) {
          log.warn({ ...coords, err: errorMessage(err), code: errorCode(err), attempt }, 'dead-lettering record');
          return this.deadLetter(message, err, attempt, live, heartbeat);
        }
        this.lastError = errorMessage(err);
        log.warn({ ...coords, err: this.lastError, code: errorCode(err), attempt, kind }, 'handler failed; retrying');
        if (!(await this.backoff(attempt, live, heartbeat))) return false;
      }
    }
  }

  private async deadLetter(
    message: InboundMessage,
    err: unknown,
    attempts: number,
    live: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const headers: Record<string, string> = {
      ...message.headers,
      'dlq.error.code': errorCode(err),
      'dlq.error.class': err instanceof Error ? err.name : typeof err,
      'dlq.error.message': errorMessage(err).slice(0, 2000),
      'dlq.service': this.o.service,
      'dlq.consumer.group': this.o.groupId,
      'dlq.original.topic': message.topic,
      'dlq.original.partition': String(message.partition),
      'dlq.original.offset': message.offset,
      'dlq.original.timestamp': String(message.timestamp),
      'dlq.attempts': String(attempts),
      'dlq.failed.at': new Date().toISOString(),
    };
    const record = { topic: this.o.deadLetterTopic(message.topic), key: message.key, value: message.value, headers };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.deadLetterProducer.send([record]);
        this.deadLettered += 1;
        return true;
      } catch (sendErr) {
        this.o.logger.error(
          { err: errorMessage(sendErr), topic: record.topic },
          'dead-letter publish failed; retrying',
        );
        if (!(await this.backoff(attempt, live, heartbeat))) return false;
      }
    }
  }

  private async backoff(attempt: number, live: () => boolean, heartbeat: () => Promise<void>): Promise<boolean> {
    const base = Math.min(this.o.retryMaxMs, this.o.retryInitialMs * 2 ** Math.min(attempt - 1, 16));
    let remaining = base / 2 + Math.random() * (base / 2);
    while (remaining > 0) {
      if (!live()) return false;
      const step = Math.min(remaining, 1000);
      await new Promise((r) => setTimeout(r, step));
      remaining -= step;
      try {
        await heartbeat();
      } catch {
        return false; // rebalance in progress: give the partition up without resolving
      }
    }
    return live();
  }
}
