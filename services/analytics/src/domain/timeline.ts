import type { EventType } from '@orderflow/contracts';
import { deriveStage, stageDurations, type Stage, type StageDurations, type Stamps } from './journey';

/** One event of an order as recorded. */
export interface RecordedEvent {
  eventId: string;
  type: EventType;
  source: string;
  occurredAt: number;
  correlationId: string;
  causationId: string | null;
  summary: Record<string, unknown>;
}

export interface TimelineEntry extends Omit<RecordedEvent, 'occurredAt'> {
  occurredAt: string;
  /** ms since the previous event of the order; null for the first. */
  sincePreviousMs: number | null;
}

export interface Timeline {
  orderId: string;
  stage: Stage;
  events: TimelineEntry[];
  stageDurationsMs: StageDurations;
}

/** Causal position in the journey: breaks ties between events stamped in the same millisecond. */
const POSITION: Record<EventType, number> = {
  'order.created': 0,
  'order.validated': 1,
  'order.rejected': 1,
  'inventory.reserved': 2,
  'inventory.rejected': 2,
  'payment.processed': 3,
  'payment.failed': 3,
  'order.fulfilled': 4,
  'fulfillment.failed': 4,
  'payment.refunded': 5,
  'inventory.released': 5,
  'notification.sent': 6,
  'notification.failed': 6,
};

/** Timeline order: by when it happened, then by journey position, then by id (total, so the result is stable). */
export function compareEvents(a: RecordedEvent, b: RecordedEvent): number {
  return (
    a.occurredAt - b.occurredAt ||
    POSITION[a.type] - POSITION[b.type] ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

/** The timeline of one order: its events in order with the gaps between them, its stage and step durations. */
export function buildTimeline(orderId: string, stamps: Stamps, events: readonly RecordedEvent[]): Timeline {
  const sorted = [...events].sort(compareEvents);
  return {
    orderId,
    stage: deriveStage(stamps),
    events: sorted.map((e, i) => ({
      ...e,
      occurredAt: new Date(e.occurredAt).toISOString(),
      sincePreviousMs: i === 0 ? null : e.occurredAt - sorted[i - 1]!.occurredAt,
    })),
    stageDurationsMs: stageDurations(stamps),
  };
}
