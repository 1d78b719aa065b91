import { randomUUID } from 'node:crypto';
import type { EventType, IoOrderflowCommon } from './generated';
import { LATEST_VERSION } from './generated';

export type EventMetadata = IoOrderflowCommon.EventMetadata;

/** What a handler knows about the event it reacts to; the new event inherits its correlation. */
export interface Cause {
  eventId: string;
  correlationId: string;
}

/**
 * Metadata for a new event. Correlation comes from the cause (the order's journey); causation is the cause's id.
 * Without a cause, the event starts a journey: its correlation id is `correlationId` or a new UUID.
 */
export function newMetadata(
  type: EventType,
  source: string,
  cause?: Cause,
  opts: { correlationId?: string; now?: number } = {},
): EventMetadata {
  const eventId = randomUUID();
  return {
    eventId,
    eventType: type,
    schemaVersion: LATEST_VERSION[type],
    occurredAt: opts.now ?? Date.now(),
    source,
    correlationId: cause?.correlationId ?? opts.correlationId ?? randomUUID(),
    causationId: cause?.eventId ?? null,
  };
}

/**
 * CloudEvents 1.0 Kafka binary binding: the envelope mirrored as `ce_*` headers, so that tools which know
 * CloudEvents (and people reading a topic) see id, type, source and time without decoding Avro.
 * correlationid and causationid are CloudEvents extension attributes.
 */
export function cloudEventHeaders(meta: EventMetadata, orderId: string, traceparent?: string): Record<string, string> {
  const h: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: meta.eventId,
    ce_type: meta.eventType,
    ce_source: meta.source,
    ce_time: new Date(meta.occurredAt).toISOString(),
    ce_subject: orderId,
    ce_dataschemaversion: String(meta.schemaVersion),
    ce_correlationid: meta.correlationId,
    'content-type': 'application/avro',
  };
  if (meta.causationId) h.ce_causationid = meta.causationId;
  if (traceparent) h.traceparent = traceparent;
  return h;
}
