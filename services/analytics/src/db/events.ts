import type { ClientBase, Pool } from 'pg';
import type { EventType } from '@orderflow/contracts';
import type { RecordedEvent } from '../domain/timeline';

export interface TimelineRow {
  eventId: string;
  orderId: string;
  eventType: EventType;
  source: string;
  occurredAt: number;
  correlationId: string;
  causationId: string | null;
  topic: string;
  partition: number;
  offset: string;
  summary: Record<string, unknown>;
}

/** Puts an event on its order's timeline; false when that event id is already there. */
export async function appendToTimeline(tx: ClientBase, e: TimelineRow): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO events (event_id, order_id, event_type, source, occurred_at, correlation_id, causation_id,
                         kafka_topic, kafka_partition, kafka_offset, summary)
     VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), $6, $7, $8, $9, $10, $11::jsonb)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      e.eventId,
      e.orderId,
      e.eventType,
      e.source,
      e.occurredAt,
      e.correlationId,
      e.causationId,
      e.topic,
      e.partition,
      e.offset,
      JSON.stringify(e.summary),
    ],
  );
  return r.rowCount === 1;
}

/** The events of one order, as recorded (ordering is the domain's business). */
export async function listEvents(pool: Pool, orderId: string): Promise<RecordedEvent[]> {
  const r = await pool.query(
    `SELECT event_id, event_type, source, occurred_at, correlation_id, causation_id, summary
     FROM events WHERE order_id = $1 ORDER BY occurred_at, event_id`,
    [orderId],
  );
  return r.rows.map((row) => ({
    eventId: row.event_id as string,
    type: row.event_type as EventType,
    source: row.source as string,
    occurredAt: (row.occurred_at as Date).getTime(),
    correlationId: row.correlation_id as string,
    causationId: row.causation_id as string | null,
    summary: row.summary as Record<string, unknown>,
  }));
}
