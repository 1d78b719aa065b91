import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { toInbound } from './kafka';
import type { InboundMessage } from './types';

/**
 * Reads a topic from the beginning up to its end offsets at call time, with a throwaway consumer group.
 * For tools and tests (dead-letter inspection, redrive), not for services.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  opts: { timeoutMs?: number } = {},
): Promise<InboundMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, BigInt(e.high)]),
  );
  const out: InboundMessage[] = [];
  if (remaining.size === 0) return out;
  const groupId = `reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), opts.timeoutMs ?? 30000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            out.push(toInbound(topic, partition, message));
            const end = remaining.get(partition);
            if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]).catch(() => undefined);
    await admin2.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
