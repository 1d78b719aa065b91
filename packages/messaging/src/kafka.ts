import { Kafka, logLevel, type KafkaMessage, type LogEntry } from 'kafkajs';
import type { InboundMessage, KafkaSettings, Logger } from './types';
import { silentLogger } from './types';
import { fixKafkajs, setHeader } from './kafkajs-fixes';

fixKafkajs();

/** Builds the one kafkajs client of a process, with its logs routed to our logger. */
export function createKafka(settings: KafkaSettings): Kafka {
  const logger = settings.logger ?? silentLogger;
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectionTimeoutMs ?? 10000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafka(logger, entry),
  });
}

function logKafka(logger: Logger, { namespace, level, log }: LogEntry): void {
  const { message, ...extra } = log;
  const obj = { component: 'kafkajs', namespace, ...extra };
  if (level === logLevel.ERROR) logger.error(obj, message);
  else if (level === logLevel.WARN) logger.warn(obj, message);
  else if (level === logLevel.INFO) logger.info(obj, message);
  else logger.debug(obj, message);
}

export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || v === null) continue;
    const first = Array.isArray(v) ? v[0] : v;
    setHeader(out, k, Buffer.isBuffer(first) ? first.toString('utf8') : String(first));
  }
  return out;
}

/** A kafkajs record as this package hands it out: key and headers as strings, coordinates attached. */
export function toInbound(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value,
    headers: headersToStrings(m.headers as Record<string, unknown>),
    timestamp: Number(m.timestamp),
  };
}
