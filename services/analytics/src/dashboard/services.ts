import { catalog, deadLetterTopicOf, type EventCodec } from '@orderflow/contracts';
import { KafkaAdmin, createKafka } from '@orderflow/messaging';
import type { Config } from '../config';

/** One service as the dashboard shows it, from its readiness answer and the broker. */
export interface ServiceStatus {
  name: string;
  urls: string[];
  status: 'ready' | 'not-ready' | 'draining' | 'down';
  consumer: { state: string; processed: number; deadLettered: number } | null;
  outbox: { pending: number; oldestAgeMs: number } | null;
  /** Records its consumer group has not consumed yet, over all its topics (null: not known yet). */
  lag: number | null;
}

interface Check {
  name: string;
  ok: boolean;
  detail?: Record<string, unknown>;
}

/**
 * Asks each process of a service for /health/ready and merges the answers: the service is ready when every one is;
 * the consumer's figures come from the process that runs it, the outbox's from the one that runs the relay.
 */
export async function probe(name: string, urls: readonly string[]): Promise<Omit<ServiceStatus, 'lag'>> {
  const answers = await Promise.all(urls.map((u) => probeOne(name, u)));
  const rank: ServiceStatus['status'][] = ['ready', 'draining', 'not-ready', 'down'];
  return {
    name,
    urls: [...urls],
    status: answers.map((a) => a.status).reduce((w, s) => (rank.indexOf(s) > rank.indexOf(w) ? s : w), 'ready'),
    consumer: answers.find((a) => a.consumer)?.consumer ?? null,
    outbox: answers.find((a) => a.outbox)?.outbox ?? null,
  };
}

async function probeOne(name: string, url: string): Promise<Omit<ServiceStatus, 'lag' | 'urls'>> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1500) });
    const body = (await res.json()) as { status: ServiceStatus['status']; checks?: Check[] };
    const check = (n: string) => body.checks?.find((c) => c.name === n)?.detail;
    const consumer = check('consumer');
    const relay = check('outbox-relay');
    return {
      name,
      status: body.status,
      consumer: consumer
        ? {
            state: String(consumer.state),
            processed: Number(consumer.processed ?? 0),
            deadLettered: Number(consumer.deadLettered ?? 0),
          }
        : null,
      outbox: relay ? { pending: Number(relay.pending ?? 0), oldestAgeMs: Number(relay.oldestAgeMs ?? 0) } : null,
    };
  } catch {
    return { name, status: 'down', consumer: null, outbox: null };
  }
}

export interface BrokerView {
  /** Consumer lag per service (its default group over the topics the catalog says it consumes). */
  lag: Map<string, number>;
  /** Dead letters waiting per source topic (unprefixed event type). */
  deadLetters: { type: string; count: number }[];
}

/**
 * What only the broker knows: lag per consumer group and records on each dead-letter topic. One short-lived admin
 * connection per call: the dashboard asks every few seconds, only while someone watches.
 */
export async function brokerView(config: Config, codec: EventCodec, services: readonly string[]): Promise<BrokerView> {
  const admin = new KafkaAdmin(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'analytics-dashboard' }));
  await admin.connect();
  try {
    const lag = new Map<string, number>();
    for (const service of services) {
      const topics = catalog.topics.filter((t) => t.consumers.includes(service)).map((t) => codec.topicOf(t.eventType));
      if (!topics.length) continue;
      const perTopic = await admin.lag(`${config.TOPIC_PREFIX}${service}`, topics);
      lag.set(
        service,
        Object.values(perTopic).reduce((a, b) => a + b, 0),
      );
    }
    const deadLetters = [];
    for (const t of catalog.topics) {
      const marks = await admin.watermarks(deadLetterTopicOf(codec.topicOf(t.eventType))).catch(() => new Map());
      let count = 0n;
      for (const { low, high } of marks.values()) count += (high as bigint) - (low as bigint);
      deadLetters.push({ type: t.eventType, count: Number(count) });
    }
    return { lag, deadLetters };
  } finally {
    await admin.disconnect();
  }
}
