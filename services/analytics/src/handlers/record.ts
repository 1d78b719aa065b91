import type { EventMap, EventType } from '@orderflow/contracts';
import type { BatchItem } from '@orderflow/outbox';
import type { Logger } from '@orderflow/service-kit';
import type { ClientBase } from 'pg';
import { appendToTimeline } from '../db/events';
import { foldIntoOrders, type OrderFact, type StageLatency } from '../db/orders';

/** What one event tells analytics about its order, besides the envelope. */
export type Observation = Omit<OrderFact, 'orderId' | 'at'> & {
  /** The few fields worth showing on the timeline; failures carry `reasonCodes: string[]`. */
  summary: Record<string, unknown>;
};

/** Reads what an event of one type says about its order (the business sentence of each analytics handler). */
export type Observe<T extends EventType> = (event: EventMap[T]) => Observation;

/**
 * Records events of one type: onto their orders' timelines, then folded into the orders' state, in two set-based
 * statements whatever the number of events (one record, or a whole consumed batch). Analytics only listens, so it
 * emits nothing. The timeline's primary key, (order id, event id), is the service's inbox (it claims no inbox row:
 * see the service definition): an event already on its order's timeline is not folded again, so a redelivery changes
 * nothing. Returns how long after its creation each order reached the recorded stage.
 */
export async function record<T extends EventType>(
  tx: ClientBase,
  type: T,
  items: readonly BatchItem<EventMap[T]>[],
  observe: Observe<T>,
  log: Logger,
): Promise<StageLatency[]> {
  const observed = items.map(({ event, metadata, message }) => {
    const { summary, ...fact } = observe(event);
    const { orderId } = event as { orderId: string };
    return {
      row: {
        eventId: metadata.eventId,
        orderId,
        eventType: type,
        source: metadata.source,
        occurredAt: metadata.occurredAt,
        correlationId: metadata.correlationId,
        causationId: metadata.causationId,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        summary,
      },
      fact: { ...fact, orderId, at: metadata.occurredAt },
    };
  });
  const fresh = await appendToTimeline(
    tx,
    observed.map((o) => o.row),
  );
  if (fresh.size < observed.length) {
    log.warn({ events: observed.length - fresh.size }, 'events already on the timeline; not counted again');
  }
  return foldIntoOrders(
    tx,
    observed.filter((o) => fresh.has(o.row.eventId)).map((o) => o.fact),
  );
}
