import { EVENT_TYPES, EventCodec, type EventMetadata, type EventType } from '@orderflow/contracts';
import { createKafka, readTopic, type InboundMessage } from '@orderflow/messaging';
import { ident, type BatchItem } from '@orderflow/outbox';
import { createLogger, createPool, dbSchemaOf, type BatchEventHandler } from '@orderflow/service-kit';
import type { Config } from '../config';
import { listEvents } from '../db/events';
import { findOrder } from '../db/orders';
import { summaryIn, type Summary } from '../db/summary';
import { buildTimeline, compareEvents, type Timeline } from '../domain/timeline';
import { analytics, SERVICE_NAME } from '../service';
import { READ_MODEL } from './shadow';

/** Which records a debugging replay folds: one order's, or those that happened in [from, to). */
export type ReplaySelection = { orderId: string } | { from: number; to: number };

export interface OrderReplay {
  timeline: Timeline & { currency: string | null; totalMinor: number | null; failureReason: string | null };
  /** Records read from the topics for it. */
  records: number;
}

/**
 * Replays one order (or a time window) from the topics into temporary tables of a session of its own, through
 * analytics' own batch handlers, and reads the result back with the service's own queries. The live read model is
 * never written (temporary tables shadow it by name in that session only, and vanish with it).
 */
export async function replaySelection(config: Config, sel: { orderId: string }): Promise<OrderReplay | undefined>;
export async function replaySelection(config: Config, sel: { from: number; to: number }): Promise<Summary>;
export async function replaySelection(
  config: Config,
  sel: ReplaySelection,
): Promise<OrderReplay | Summary | undefined> {
  const def = analytics(config);
  const log = createLogger(`${SERVICE_NAME}-replay`, config.LOG_LEVEL);
  const schema = config.DB_SCHEMA ?? dbSchemaOf(SERVICE_NAME);
  const codec = new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, topicPrefix: config.TOPIC_PREFIX });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE_NAME}-replay`, logger: log });
  const byType = await Promise.all(
    EVENT_TYPES.map(async (type) => {
      const records = await readTopic(kafka, codec.topicOf(type), { timeoutMs: 120000 });
      const wanted = 'orderId' in sel ? records.filter((m) => m.key === sel.orderId) : records;
      const items = (await Promise.all(wanted.map((m) => decoded(codec, type, m)))).filter((i) => i !== undefined);
      return [
        type,
        'orderId' in sel
          ? items
          : items.filter((i) => i.metadata.occurredAt >= sel.from && i.metadata.occurredAt < sel.to),
      ] as const;
    }),
  );
  const pool = createPool(config.DATABASE_URL, 1, `${SERVICE_NAME}-replay`, schema);
  const c = await pool.connect();
  try {
    for (const t of READ_MODEL) {
      await c.query(`CREATE TEMP TABLE ${ident(t)} (LIKE ${ident(schema)}.${ident(t)} INCLUDING ALL)`);
    }
    await c.query('BEGIN');
    for (const [type, items] of byType) {
      const many = def.batchHandlers?.[type] as BatchEventHandler<EventType> | undefined;
      if (many && items.length) await many(items, { tx: c, log });
    }
    await c.query('COMMIT');
    if (!('orderId' in sel)) return await summaryIn(c);
    const order = await findOrder(c, sel.orderId);
    if (!order) return undefined;
    const events = (await listEvents(c, sel.orderId)).sort(compareEvents);
    return {
      timeline: {
        ...buildTimeline(sel.orderId, order.stamps, events),
        currency: order.currency,
        totalMinor: order.totalMinor,
        failureReason: order.failureReason,
      },
      records: byType.reduce((n, [, items]) => n + items.length, 0),
    };
  } finally {
    c.release(true); // the session and its temporary tables end here
    await pool.end();
  }
}

/** A record the service could not decode either (it dead-lettered it) is left out, as the service left it out. */
async function decoded(
  codec: EventCodec,
  type: EventType,
  message: InboundMessage,
): Promise<BatchItem<never> | undefined> {
  try {
    const { event } = await codec.decode(type, message.value);
    return { event: event as never, message, metadata: (event as { metadata: EventMetadata }).metadata };
  } catch {
    return undefined;
  }
}
