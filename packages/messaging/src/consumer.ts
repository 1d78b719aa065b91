import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { classify, errorCode, errorMessage } from '@orderflow/errors';
import { deadLetterRecord } from './dead-letter';
import { toInbound } from './kafka';
import { Coalescer } from './coalesce';
import { OffsetCommits } from './commits';
import { startKeepAlive } from './keep-alive';
import {
  LINGER_MIN_BYTES,
  type BatchHandler,
  type ConsumerObserver,
  type ConsumerRunnerOptions,
  type ConsumerState,
  type ConsumerStats,
} from './consumer-options';
import { RecordFailures } from './stalls';
import type { InboundMessage, Logger } from './types';
import { silentLogger } from './types';

type Outcome = 'done' | 'paused' | 'stop';
type Resume = () => void;

/**
 * Runs a consumer group over batches. Per partition, records are handled strictly in order; an offset is resolved
 * only after its handler returned (that is, after the service's database commit), so committed offsets are always
 * contiguous and a crash can only cause redelivery, never loss. Failures:
 *  - retriable (broker or database away, timeouts, a revoked grant, a read-only replica): retried a few times in
 *    place, then the partition is paused with backoff and retried when the pause ends, until it works or the
 *    consumer stops; the consumer's other partitions keep flowing, and the record is never dead-lettered;
 *  - permanent (undecodable bytes, unknown schema id, business-invalid payload): written to the dead-letter topic
 *    with headers naming the error, service and original coordinates; then the partition moves on;
 *  - unknown: retried `maxUnknownAttempts` times, then dead-lettered.
 * Heartbeats go out while handlers run, so a slow batch never outlives the session timeout.
 */
export class ConsumerRunner {
  private consumer: Consumer;
  private readonly o: Required<Omit<ConsumerRunnerOptions, 'logger' | 'batchHandler' | 'observer'>> & {
    logger: Logger;
    batchHandler?: BatchHandler;
    observer: ConsumerObserver;
  };
  private currentState: ConsumerState = 'idle';
  private lastError: string | undefined;
  private processed = 0;
  private deadLettered = 0;
  private infrastructureErrors = 0;
  private groupJoins = 0;
  private readonly failures = new RecordFailures();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly commits: OffsetCommits;
  private recoveryTimer: NodeJS.Timeout | undefined;
  /** Groups the runs of records that partitions hand over together (see Coalescer); none without a batch handler. */
  private readonly coalescer: Coalescer | undefined;

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
      inPlaceAttempts: 3,
      maxBatchTimeMs: 5000,
      fromBeginning: true,
      sessionTimeoutMs: 10000,
      heartbeatIntervalMs: 1000,
      commitIntervalMs: 250,
      lingerMs: 0,
      logger: silentLogger,
      observer: {},
      ...opts,
    };
    this.commits = new OffsetCommits(this.o.commitIntervalMs, (ok) => this.o.observer.committed?.(ok), this.o.logger);
    this.consumer = this.createConsumer();
    const batchHandler = this.o.batchHandler;
    this.coalescer = batchHandler
      ? new Coalescer(
          (records) => batchHandler(records),
          (records, err) =>
            this.o.logger.info(
              {
                partitions: [...new Set(records.map((r) => `${r.topic}[${r.partition}]`))],
                records: records.length,
                err: errorMessage(err),
              },
              'batch failed; handling its records again',
            ),
        )
      : undefined;
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: this.o.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      // Without a linger: answered on the first record, and an idle long poll ends every 100 ms.
      maxWaitTimeInMs: this.o.lingerMs > 0 ? this.o.lingerMs : 100,
      minBytes: this.o.lingerMs > 0 ? LINGER_MIN_BYTES : 1,
      // A fetch holds this much at most (kafkajs's defaults: 1 MiB per partition, 10 MiB in all). A handler takes
      // 100 records at a time, so 2 MiB (a few thousand records) keeps every partition busy; with a backlog on many
      // partitions, the defaults would hold ten times that in memory, decoded, per fetch.
      maxBytesPerPartition: 256 * 1024,
      maxBytes: 2 * 1024 * 1024,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.groupJoins += 1;
    });
    // Partitions may move to another member: hand over what was handled here (members of the current generation
    // may still commit while the group prepares to rebalance). Best effort: what is not committed is redelivered.
    consumer.on(consumer.events.REBALANCING, () => void this.commits.now());
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
    this.clearResumeTimers(); // a fresh consumer has no paused partitions
    this.commits.forget(); // the dead consumer's offsets are redelivered
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

  stats(): ConsumerStats {
    return {
      state: this.currentState,
      processed: this.processed,
      deadLettered: this.deadLettered,
      infrastructureErrors: this.infrastructureErrors,
      groupJoins: this.groupJoins,
      stalled: this.failures.stalled(),
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
      // Offsets are committed by OffsetCommits, not after every partition's batch.
      autoCommit: false,
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
    this.clearResumeTimers();
    // What was handled is committed before the group is left; a batch still in flight commits when it ends.
    await this.commits.now();
    await this.consumer.disconnect();
    this.commits.stop();
    this.currentState = 'stopped';
  }

  private clearResumeTimers(): void {
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, pause } = payload;
    let resolved = false;
    const resolveOffset = (offset: string) => {
      payload.resolveOffset(offset);
      resolved = true;
    };
    this.commits.use(payload);
    const keepAlive = startKeepAlive(payload.heartbeat, this.o.heartbeatIntervalMs);
    const live = () => isRunning() && !isStale() && !keepAlive.lost();
    const started = Date.now();
    try {
      const messages = batch.messages.map((raw) => toInbound(batch.topic, batch.partition, raw));
      const size = this.o.batchHandler ? this.o.maxBatchSize : 1;
      for (let i = 0; i < messages.length; i += size) {
        // Past the budget, leave the rest unresolved: it is fetched again, after the consumer's other partitions.
        if (!live() || (i > 0 && Date.now() - started > this.o.maxBatchTimeMs)) return;
        const chunk = messages.slice(i, i + size);
        const t0 = Date.now();
        if (this.coalescer && (await this.coalescer.submit(chunk))) {
          resolveOffset(chunk[chunk.length - 1]!.offset);
          this.countProcessed(chunk[0]!.topic, chunk.length, t0);
        } else {
          for (const message of chunk) {
            if (!live()) return;
            const t1 = Date.now();
            const outcome = await this.processRecord(message, live);
            if (outcome === 'paused') return this.pauseFor(message, pause);
            if (outcome === 'stop') return; // stopping or rebalanced: leave the offset unresolved
            resolveOffset(message.offset);
            this.countProcessed(message.topic, 1, t1);
          }
        }
      }
    } finally {
      keepAlive.stop();
      // Stopping: kafkajs leaves the group once this batch returns, so what it handled is committed first.
      if (this.currentState === 'stopping' || !isRunning()) await this.commits.now();
      else if (resolved) this.commits.soon();
    }
  }

  private countProcessed(topic: string, n: number, since: number): void {
    this.processed += n;
    this.o.observer.processed?.(topic, n, (Date.now() - since) / 1000);
  }

  /**
   * Handles one record: 'done' when it was handled or dead-lettered, 'paused' when it keeps failing transiently (the
   * caller pauses its partition), 'stop' when we must give the partition up without resolving it.
   */
  private async processRecord(message: InboundMessage, live: () => boolean): Promise<Outcome> {
    const log = this.o.logger;
    for (let inPlace = 1; ; inPlace++) {
      try {
        await this.o.handler(message);
        this.failures.clear(message);
        return 'done';
      } catch (err) {
        const { kind, infrastructure } = classify(err);
        const f = this.failures.record(message, err, kind);
        const coords = { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key };
        if (kind === 'permanent' || (kind === 'unknown' && f.unknown >= this.o.maxUnknownAttempts)) {
          log.warn({ ...coords, err: errorMessage(err), code: errorCode(err), attempts: f.attempts }, 'dead-lettering');
          const sent = await this.deadLetter(message, err, f.attempts, live);
          if (sent) this.failures.clear(message);
          return sent ? 'done' : 'stop';
        }
        if (infrastructure) this.infrastructureErrors += 1;
        this.o.observer.retried?.(message.topic, kind, infrastructure);
        this.lastError = errorMessage(err);
        const attrs = {
          ...coords,
          err: this.lastError,
          code: errorCode(err),
          attempt: f.attempts,
          kind,
          infrastructure,
        };
        log.warn(attrs, 'handler failed; retrying');
        if (inPlace >= this.o.inPlaceAttempts) return 'paused';
        if (!(await this.sleep(this.backoffMs(f.attempts), live))) return 'stop';
      }
    }
  }

  /** Pauses the record's partition and resumes it after the backoff of its next attempt. */
  private pauseFor(message: InboundMessage, pause: () => Resume): void {
    const delay = this.backoffMs(this.failures.attempts(message));
    this.failures.markStalled(message, delay);
    const resume = pause();
    const t = setTimeout(() => {
      this.resumeTimers.delete(t);
      resume();
    }, delay);
    this.resumeTimers.add(t);
    this.o.logger.warn(
      { topic: message.topic, partition: message.partition, offset: message.offset, pauseMs: delay },
      'record keeps failing; partition paused, the others keep flowing',
    );
  }

  private async deadLetter(message: InboundMessage, err: unknown, attempts: number, live: () => boolean) {
    const record = deadLetterRecord(message, err, attempts, this.o);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.deadLetterProducer.send([record]);
        this.deadLettered += 1;
        this.o.observer.deadLettered?.(message.topic, errorCode(err));
        return true;
      } catch (sendErr) {
        this.o.logger.error(
          { err: errorMessage(sendErr), topic: record.topic },
          'dead-letter publish failed; retrying',
        );
        if (!(await this.sleep(this.backoffMs(attempt), live))) return false;
      }
    }
  }

  /** Exponential backoff with jitter (half to full of the base), capped at retryMaxMs. */
  private backoffMs(attempt: number): number {
    const base = Math.min(this.o.retryMaxMs, this.o.retryInitialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  /** Waits `ms` in steps, giving up early when the partition is no longer ours; heartbeats go on meanwhile. */
  private async sleep(ms: number, live: () => boolean): Promise<boolean> {
    let remaining = ms;
    while (remaining > 0) {
      if (!live()) return false;
      const step = Math.min(remaining, 200);
      await new Promise((r) => setTimeout(r, step));
      remaining -= step;
    }
    return live();
  }
}
