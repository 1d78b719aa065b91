import type { Kafka } from 'kafkajs';
import type { EventProducer } from './producer';
import { readTopic } from './read';
import type { InboundMessage } from './types';

export interface RedriveOptions {
  /** The dead-letter topic to drain, e.g. 'order.created.dlq'. */
  deadLetterTopic: string;
  /** Only records for which this returns true are sent back. @default all */
  filter?: (m: InboundMessage) => boolean;
  /** Skip records at or below these offsets (per partition), so that a second run does not resend. */
  after?: Map<number, bigint>;
}

/**
 * Sends dead-lettered records back to the topic they came from (header `dlq.original.topic`), with their key, value
 * and original headers; `dlq.redriven.from` records where they were. Consumers are idempotent, so a record that had
 * already been handled elsewhere is a no-op. Returns what was sent.
 */
export async function redriveDeadLetters(kafka: Kafka, producer: EventProducer, opts: RedriveOptions) {
  const all = await readTopic(kafka, opts.deadLetterTopic);
  const selected = all.filter(
    (m) =>
      (opts.filter ?? (() => true))(m) &&
      (opts.after?.get(m.partition) === undefined || BigInt(m.offset) > (opts.after.get(m.partition) as bigint)),
  );
  const records = selected.map((m) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.headers)) if (!k.startsWith('dlq.')) headers[k] = v;
    headers['dlq.redriven.from'] = `${m.topic}/${m.partition}/${m.offset}`;
    const topic = m.headers['dlq.original.topic'] ?? m.topic.replace(/\.dlq$/, '');
    return { topic, key: m.key, value: m.value, headers };
  });
  await producer.send(records);
  return { scanned: all.length, redriven: records.length };
}
