/**
 * The broker's ceiling on this machine: kafkajs alone, no codec, no database. Produce as the relay does (idempotent,
 * acks=all, one request of 500 records in flight at a time, murmur2 partitioner), then consume the same records with
 * eachBatch doing nothing. kafkajs is imported here only for that: everything else goes through @orderflow/messaging.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { SampleRecord } from './records';

export interface KafkaCeiling {
  records: number;
  partitions: number;
  batch: number;
  produceRecordsPerSecond: number;
  consumeRecordsPerSecond: number;
}

const BATCH = 500;

/** Produces `records` to a fresh topic of `partitions`, reads them back, deletes the topic. */
export async function kafkaCeiling(
  brokers: string[],
  records: SampleRecord[],
  partitions: number,
): Promise<KafkaCeiling> {
  const kafka = new Kafka({ clientId: 'bench-ceiling', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-ceiling-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    const produceRecordsPerSecond = await produce(kafka, topic, records);
    const consumeRecordsPerSecond = await consume(kafka, topic, records.length);
    return { records: records.length, partitions, batch: BATCH, produceRecordsPerSecond, consumeRecordsPerSecond };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function produce(kafka: Kafka, topic: string, records: SampleRecord[]): Promise<number> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // One small send first: metadata and the producer id are fetched once, not timed.
    await producer.send({ topic, acks: -1, messages: records.slice(0, 1) });
    const t0 = performance.now();
    for (let i = 1; i < records.length; i += BATCH)
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + BATCH) });
    return Math.round((records.length - 1) / ((performance.now() - t0) / 1000));
  } finally {
    await producer.disconnect();
  }
}

/** Timed from the first batch to the last record: joining the group is not consuming. */
async function consume(kafka: Kafka, topic: string, n: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-ceiling-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let seen = 0;
    let first = 0;
    const elapsed = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen} of ${n} records in 5 min`)), 300_000);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            if (seen === 0) first = performance.now();
            seen += batch.messages.length;
            if (seen >= n) {
              clearTimeout(timer);
              resolve(performance.now() - first);
            }
          },
        })
        .catch(reject);
    });
    return Math.round(n / (elapsed / 1000));
  } finally {
    await consumer.disconnect();
  }
}
