import { catalogTopics, deadLetterTopicOf, EventCodec, type EventMap, type EventType } from '@orderflow/contracts';
import {
  createKafka,
  EventProducer,
  KafkaAdmin,
  readTopic,
  type InboundMessage,
  type KafkaClient,
} from '@orderflow/messaging';
import { testEnv } from './env';

/**
 * Kafka for one test file: its own topic prefix, the catalog's topics (and dead-letter topics) created under it,
 * a codec and a producer. Publishes events as an upstream system would and reads topics back decoded.
 */
export class TestKafka {
  readonly kafka: KafkaClient;
  readonly codec: EventCodec;
  readonly producer: EventProducer;
  readonly admin: KafkaAdmin;

  /**
   * @param brokers default: the shared test broker (testEnv)
   * @param registryUrl default: the shared test registry (testEnv)
   */
  constructor(
    readonly prefix: string,
    brokers: string[] = testEnv().brokers,
    registryUrl: string = testEnv().registryUrl,
  ) {
    this.kafka = createKafka({ brokers, clientId: `test-${prefix}` });
    this.codec = new EventCodec({ registryUrl, topicPrefix: prefix });
    this.producer = new EventProducer(this.kafka);
    this.admin = new KafkaAdmin(this.kafka);
  }

  /** Creates every catalog topic and its dead-letter topic under the prefix (3 partitions: enough to interleave). */
  async setup(partitions = 3): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    await this.admin.ensureTopics(catalogTopics(this.prefix, { partitions }));
  }

  topic(type: EventType): string {
    return this.codec.topicOf(type);
  }

  async publish<T extends EventType>(
    type: T,
    event: EventMap[T] & { orderId: string },
    headers: Record<string, string> = {},
  ) {
    const value = await this.codec.encode(type, event);
    await this.producer.send([{ topic: this.topic(type), key: event.orderId, value, headers }]);
  }

  /** Publishes events of one type in one request, so the consumer gets them in one batch (per partition). */
  async publishMany<T extends EventType>(type: T, events: (EventMap[T] & { orderId: string })[]) {
    const records = await Promise.all(
      events.map(async (e) => ({ topic: this.topic(type), key: e.orderId, value: await this.codec.encode(type, e) })),
    );
    await this.producer.send(records);
  }

  async publishRaw(type: EventType, key: string, value: Buffer | null, headers: Record<string, string> = {}) {
    await this.producer.send([{ topic: this.topic(type), key, value, headers }]);
  }

  /** Every record on the topic so far, decoded. */
  async events<T extends EventType>(type: T): Promise<EventMap[T][]> {
    const records = await readTopic(this.kafka, this.topic(type));
    return Promise.all(records.map(async (r) => (await this.codec.decode(type, r.value)).event));
  }

  /** Every record on the topic's dead-letter topic, raw (they are dead because they did not decode or apply). */
  async deadLetters(type: EventType): Promise<InboundMessage[]> {
    return readTopic(this.kafka, deadLetterTopicOf(this.topic(type)));
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}
