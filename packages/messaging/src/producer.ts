import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { TransientError } from '@orderflow/errors';
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
  private readonly producer: Producer;
  private connected = false;
  private readonly compression: CompressionTypes;

  constructor(
    kafka: Kafka,
    private readonly opts: ProducerOptions = {},
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java client: an order id lands on the same partition whichever client wrote it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
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
      throw new TransientError(
        `publishing ${messages.length} record(s) failed: ${(err as Error).message}`,
        'KAFKA_SEND',
        {
          cause: err,
        },
      );
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
