/**
 * Kafka for the messaging component tests: topics under a prefix of the test file's own, a connected producer,
 * consumer runners that are stopped at the end, and a handler journal to assert on.
 */
import {
  ConsumerRunner,
  createKafka,
  EventProducer,
  KafkaAdmin,
  readTopic,
  type ConsumerRunnerOptions,
  type InboundMessage,
  type KafkaClient,
} from '@orderflow/messaging';
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { testEnv, uniquePrefix } from '@orderflow/testing';

export interface Harness {
  kafka: KafkaClient;
  producer: EventProducer;
  prefix: string;
  /** Creates `name` (with `partitions`) and its `.dlq` topic under the prefix; returns the full name. */
  topic(name: string, partitions: number): Promise<string>;
  runner(
    opts: Omit<ConsumerRunnerOptions, 'deadLetterProducer' | 'service'> & Partial<ConsumerRunnerOptions>,
  ): ConsumerRunner;
  /** Sends JSON bodies with their keys, in one request (order kept per partition). */
  send(topic: string, records: { key: string; body: Body; headers?: Record<string, string> }[]): Promise<void>;
  read(topic: string): Promise<InboundMessage[]>;
  close(): Promise<void>;
}

/** What the test records carry: an id and what the handler should do with it. */
export interface Body {
  id: string;
  seq?: number;
  kind?: string;
}

export function bodyOf(m: InboundMessage): Body {
  return JSON.parse(m.value!.toString('utf8')) as Body;
}

export async function createHarness(label: string): Promise<Harness> {
  const prefix = uniquePrefix(label);
  const kafka = createKafka({ brokers: testEnv().brokers, clientId: `test-${prefix}` });
  const admin = new KafkaAdmin(kafka);
  const producer = new EventProducer(kafka);
  await Promise.all([admin.connect(), producer.connect()]);
  const created: string[] = [];
  const runners: ConsumerRunner[] = [];
  return {
    kafka,
    producer,
    prefix,
    async topic(name, partitions) {
      const topic = `${prefix}${name}`;
      await admin.ensureTopics([
        { topic, partitions, retentionMs: -1 },
        { topic: `${topic}.dlq`, partitions: 1, retentionMs: -1 },
      ]);
      created.push(topic, `${topic}.dlq`);
      return topic;
    },
    runner(opts) {
      const r = new ConsumerRunner(kafka, {
        service: 'messaging-test',
        deadLetterProducer: producer,
        retryInitialMs: 20,
        retryMaxMs: 100,
        ...opts,
      });
      runners.push(r);
      return r;
    },
    async send(topic, records) {
      await producer.send(
        records.map((r) => ({
          topic,
          key: r.key,
          value: Buffer.from(JSON.stringify(r.body)),
          headers: r.headers ?? {},
        })),
      );
    },
    read: (topic) => readTopic(kafka, topic),
    async close() {
      await Promise.all(runners.map((r) => r.stop()));
      await admin.deleteTopics(created).catch(() => undefined);
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    },
  };
}

/** A kafkajs client that counts the requests it writes, by API key (kafkajs writes each request in one call). */
export function countingKafka(counts: Map<number, number>): Kafka {
  return new Kafka({
    clientId: 'counting-test',
    brokers: testEnv().brokers,
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }) => {
      const socket = net.connect({ host, port }, onConnect);
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (Buffer.isBuffer(chunk) && chunk.length >= 6) {
          const apiKey = chunk.readInt16BE(4);
          counts.set(apiKey, (counts.get(apiKey) ?? 0) + 1);
        }
        return write(chunk, ...rest);
      }) as typeof socket.write;
      return socket;
    },
  });
}
