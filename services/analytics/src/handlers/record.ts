import type { HandlerContext } from '@orderflow/outbox';
import type { Logger } from '@orderflow/service-kit';
import type { EventType } from '@orderflow/contracts';
import { appendToTimeline } from '../db/events';
import { foldIntoOrder, type OrderFact } from '../db/orders';

/** What one event tells analytics about its order, besides the envelope. */
export type Observation = Omit<OrderFact, 'orderId' | 'at'> & {
  /** The few fields worth showing on the timeline; failures carry `reasonCodes: string[]`. */
  summary: Record<string, unknown>;
};

/**
 * Records an event: onto its order's timeline, then folded into the order's state. Analytics only listens, so it
 * emits nothing. The inbox (same transaction) already stops redeliveries; the timeline's primary key is a second
 * guard so an event is never folded twice.
 */
export async function record(
  type: EventType,
  event: { orderId: string },
  { tx, metadata, message, log }: HandlerContext & { log: Logger },
  o: Observation,
): Promise<[]> {
  const { summary, ...fact } = o;
  const fresh = await appendToTimeline(tx, {
    eventId: metadata.eventId,
    orderId: event.orderId,
    eventType: type,
    source: metadata.source,
    occurredAt: metadata.occurredAt,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    summary,
  });
  if (!fresh) {
    log.warn('event already on the timeline; not counted again');
    return [];
  }
  await foldIntoOrder(tx, { orderId: event.orderId, at: metadata.occurredAt, ...fact });
  return [];
}
