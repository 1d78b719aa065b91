import { deadLetterTopicOf } from '@orderflow/contracts';
import { createKafka, EventProducer, readTopic, redriveDeadLetters } from '@orderflow/messaging';

export interface DlqOptions {
  brokers: string[];
  /** The source topic, e.g. 'order.created' (its dead letters are on 'order.created.dlq'). */
  topic: string;
}

/** Dead letters of a topic, with the reason each was set aside. */
export async function listDeadLetters(o: DlqOptions) {
  const kafka = createKafka({ brokers: o.brokers, clientId: 'orderflow-ops' });
  const records = await readTopic(kafka, deadLetterTopicOf(o.topic));
  return records.map((r) => ({
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    errorCode: r.headers['dlq.error.code'],
    error: r.headers['dlq.error.message'],
    service: r.headers['dlq.service'],
    original: `${r.headers['dlq.original.topic']}/${r.headers['dlq.original.partition']}/${r.headers['dlq.original.offset']}`,
    failedAt: r.headers['dlq.failed.at'],
    bytes: r.value?.length ?? 0,
  }));
}

/** Sends a topic's dead letters back to it (optionally only those with `key`), after the cause was fixed. */
export async function redrive(o: DlqOptions & { key?: string }) {
  const kafka = createKafka({ brokers: o.brokers, clientId: 'orderflow-ops' });
  const producer = new EventProducer(kafka);
  await producer.connect();
  try {
    return await redriveDeadLetters(kafka, producer, {
      deadLetterTopic: deadLetterTopicOf(o.topic),
      ...(o.key ? { filter: (m) => m.key === o.key } : {}),
    });
  } finally {
    await producer.disconnect();
  }
}
