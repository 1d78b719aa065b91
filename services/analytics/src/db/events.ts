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

/**
 * Puts events on their orders' timelines in one statement; returns the ids of those that were not there yet (an
 * event already on its order's timeline is skipped, so it is never folded twice: the key is (order_id, event_id)).
 */
export async function appendToTimeline(tx: ClientBase, rows: readonly TimelineRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const col = <K extends keyof TimelineRow>(k: K) => rows.map((r) => r[k]);
  const r = await tx.query<{ event_id: string }>(
    `INSERT INTO events (event_id, order_id, event_type, source, occurred_at, correlation_id, causation_id,
                         kafka_topic, kafka_partition, kafka_offset, summary)
     SELECT e.event_id, e.order_id, e.event_type, e.source, to_timestamp(e.occurred_at / 1000.0), e.correlation_id,
            e.causation_id, e.kafka_topic, e.kafka_partition, e.kafka_offset, e.summary
     FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),
                     unnest($5::float8[]), unnest($6::text[]), unnest($7::text[]), unnest($8::text[]),
                     unnest($9::int[]), unnest($10::bigint[]), jsonb_array_elements($11::jsonb))
          AS e(event_id, order_id, event_type, source, occurred_at, correlation_id, causation_id, kafka_topic,
               kafka_partition, kafka_offset, summary)
     ON CONFLICT (order_id, event_id) DO NOTHING
     RETURNING event_id`,
    [
      col('eventId'),
      col('orderId'),
      col('eventType'),
      col('source'),
      col('occurredAt'),
      col('correlationId'),
      col('causationId'),
      col('topic'),
      col('partition'),
      col('offset'),
      // The summaries as one JSON document: as a text[] each would be quoted and escaped into the array literal.
      JSON.stringify(rows.map((r) => r.summary)),
    ],
  );
  return new Set(r.rows.map((row) => row.event_id));
}

/** The events of one order, as recorded (ordering is the domain's business). */
export async function listEvents(pool: Pool | ClientBase, orderId: string): Promise<RecordedEvent[]> {
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
