import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { PermanentError, TransientError } from '@orderflow/errors';
import { murmur2Partitioner } from './partitioner';
import type { OutboundMessage } from './types';

export interface ProducerOptions {
  /** 'gzip' is built in; 'none' trades bandwidth for CPU. @default 'none' */
  compression?: 'none' | 'gzip';
  /** Max time the broker may take to acknowledge a batch. @default 30000 */
  ackTimeoutMs?: number;
}

/**
 * Idempotent producer with acks=all: the broker de-duplicates its own retries, and a send resolves only once every
 * in-sync replica has the records. Throws TransientError when the broker cannot be reached.
 */
export class EventProducer {
  private producer: Producer;
  private connected = false;
  private resets = 0;
  private readonly compression: CompressionTypes;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: ProducerOptions = {},
  ) {
    this.producer = this.create();
    this.compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  private create(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java client: an order id lands on the same partition whichever client wrote it.
      // kafkajs's DefaultPartitioner computes it through Long objects; this one in 32-bit arithmetic (partitioner.ts).
      createPartitioner: murmur2Partitioner,
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  /** Times the producer was replaced after a sequence or epoch error. */
  get resetCount(): number {
    return this.resets;
  }

  /**
   * Replaces the kafkajs producer with a fresh one (a new producer id, sequences from zero). kafkajs's idempotent
   * producer does not recover from a sequence error on its own: every later send to that partition fails again.
   */
  async reset(): Promise<void> {
    const old = this.producer;
    this.producer = this.create();
    this.resets += 1;
    await old.disconnect().catch(() => undefined);
    if (this.connected) await this.producer.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Sends records (any topics) in one request per broker; resolves after acks=all. Order within a topic-partition is kept. */
  async send(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, { key: string | null; value: Buffer | null; headers?: Record<string, string> }[]>();
    for (const m of messages) {
      let list = byTopic.get(m.topic);
      if (!list) byTopic.set(m.topic, (list = []));
      list.push({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) });
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.opts.ackTimeoutMs ?? 30000,
        compression: this.compression,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    } catch (err) {
      const type = kafkaErrorType(err);
      const what = `publishing ${messages.length} record(s) failed: ${(err as Error).message}${type ? ` (${type})` : ''}`;
      if (type && PRODUCER_STATE_ERRORS.has(type)) {
        await this.reset().catch(() => undefined);
        throw new TransientError(what, 'KAFKA_PRODUCER_RESET', { cause: err });
      }
      if (type && REJECTED_RECORD_ERRORS.has(type)) {
        // kafkajs rolls back the sequence numbers of every partition of a failed request, also of those the broker
        // did store: the next send to them would be refused as out of order. A fresh producer starts clean.
        await this.reset().catch(() => undefined);
        throw new RecordRejectedError(what, type, { cause: err });
      }
      throw new TransientError(what, 'KAFKA_SEND', { cause: err });
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}

/** The broker refused the records themselves (too large, invalid): sending them again can never succeed. */
export class RecordRejectedError extends PermanentError {
  constructor(
    message: string,
    readonly brokerError: string,
    options?: { cause?: unknown },
  ) {
    super(message, `KAFKA_${brokerError}`, options);
  }
}

/** Broker errors that mean the producer's idempotence state is broken: a fresh producer fixes them. */
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/** Broker errors about the records themselves. */
const REJECTED_RECORD_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'INVALID_REQUIRED_ACKS',
]);

/** The broker's error type (e.g. MESSAGE_TOO_LARGE) of a kafkajs error, looking through retry wrappers. */
export function kafkaErrorType(err: unknown): string | undefined {
  for (
    let e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined, i = 0;
    e && i < 8;
    i++
  ) {
    if (typeof e.type === 'string') return e.type;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return undefined;
}
