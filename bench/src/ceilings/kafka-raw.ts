/**
 * The broker's ceiling on this machine: kafkajs alone, no codec, no database. Produce as the relay does (idempotent,
 * acks=all, one request of 500 records in flight at a time, murmur2 partitioner), then consume the same records with
 * eachBatch doing nothing. kafkajs is imported here only for that: everything else goes through @orderflow/messaging.
 * The bench loads that package, which applies its fixes to kafkajs when loaded (kafkajs-fixes.ts: no idle timer
 * loop, pooled encoders), so this is the platform's kafkajs; only the partitioner is kafkajs's own (about 3 µs per
 * record more than the platform's).
 * Each way also prices a record in CPU: the client's (this process) and the broker's (from /proc), what moving a
 * record costs before a service does anything with it.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { cpuSeconds } from '../proc';
import type { SampleRecord } from './records';

export interface KafkaCeiling {
  records: number;
  partitions: number;
  batch: number;
  produceRecordsPerSecond: number;
  consumeRecordsPerSecond: number;
  /**
   * CPU µs per record: the client's, and the broker's (null when its process is not found, e.g. in a container). The
   * consumer's include fetching; both exclude connecting, the producer id and joining the group.
   */
  cpuUsPerRecord: {
    produceClient: number;
    produceBroker: number | null;
    consumeClient: number;
    consumeBroker: number | null;
  };
}

interface Way {
  recordsPerSecond: number;
  clientUs: number;
  brokerUs: number | null;
}

const BATCH = 500;

/** Produces `records` to a fresh topic of `partitions`, reads them back, deletes the topic. */
export async function kafkaCeiling(
  brokers: string[],
  records: SampleRecord[],
  partitions: number,
  kafkaPid: number | undefined,
): Promise<KafkaCeiling> {
  const kafka = new Kafka({ clientId: 'bench-ceiling', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-ceiling-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    const produced = await produce(kafka, topic, records, kafkaPid);
    const consumed = await consume(kafka, topic, records.length, kafkaPid);
    return {
      records: records.length,
      partitions,
      batch: BATCH,
      produceRecordsPerSecond: produced.recordsPerSecond,
      consumeRecordsPerSecond: consumed.recordsPerSecond,
      cpuUsPerRecord: {
        produceClient: produced.clientUs,
        produceBroker: produced.brokerUs,
        consumeClient: consumed.clientUs,
        consumeBroker: consumed.brokerUs,
      },
    };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * CPU from now on: this process's (the client) and the broker's, read once at each end (no sampling in the window:
 * the client is this process, so a sampler would bill itself to it).
 */
function cpuWindow(kafkaPid: number | undefined): (records: number) => Omit<Way, 'recordsPerSecond'> {
  const client = process.cpuUsage();
  const broker = kafkaPid === undefined ? undefined : cpuSeconds(kafkaPid);
  return (records) => {
    const c = process.cpuUsage(client);
    const b = kafkaPid === undefined || broker === undefined ? undefined : cpuSeconds(kafkaPid);
    const us = (seconds: number) => Math.round((seconds / records) * 1e7) / 10;
    return {
      clientUs: us((c.user + c.system) / 1e6),
      brokerUs: b === undefined || broker === undefined ? null : us(b - broker),
    };
  };
}

async function produce(
  kafka: Kafka,
  topic: string,
  records: SampleRecord[],
  kafkaPid: number | undefined,
): Promise<Way> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // One small send first: metadata and the producer id are fetched once, not timed.
    await producer.send({ topic, acks: -1, messages: records.slice(0, 1) });
    const cpu = cpuWindow(kafkaPid);
    const t0 = performance.now();
    for (let i = 1; i < records.length; i += BATCH)
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + BATCH) });
    const recordsPerSecond = Math.round((records.length - 1) / ((performance.now() - t0) / 1000));
    return { recordsPerSecond, ...cpu(records.length - 1) };
  } finally {
    await producer.disconnect();
  }
}

/**
 * Timed from the first batch to the last record: joining the group is not consuming. The CPU is metered from the
 * first batch too (its fetch, a few ms of one request, falls outside: a 100,000-record window does not feel it).
 */
async function consume(kafka: Kafka, topic: string, n: number, kafkaPid: number | undefined): Promise<Way> {
  const consumer = kafka.consumer({ groupId: `bench-ceiling-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let seen = 0;
    let first = 0;
    let cpu: ReturnType<typeof cpuWindow> | undefined;
    const elapsed = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen} of ${n} records in 5 min`)), 300_000);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            if (seen === 0) {
              cpu = cpuWindow(kafkaPid);
              first = performance.now();
            }
            seen += batch.messages.length;
            if (seen >= n) {
              clearTimeout(timer);
              resolve(performance.now() - first);
            }
          },
        })
        .catch(reject);
    });
    return { recordsPerSecond: Math.round(n / (elapsed / 1000)), ...cpu!(n) };
  } finally {
    await consumer.disconnect();
  }
}
