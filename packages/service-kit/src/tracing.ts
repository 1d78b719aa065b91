import {
  ROOT_CONTEXT,
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { InboundMessage, OutboundMessage } from '@orderflow/messaging';

let provider: NodeTracerProvider | undefined;
const tracer = () => trace.getTracer('orderflow');

/**
 * Tracing is on when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT) and
 * OTEL_SDK_DISABLED is not `true`. Off, nothing creates a span: the consumer, relay and outbox take their plain paths
 * and the HTTP/express/pg instrumentations are not installed, so the hot path pays nothing.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.OTEL_SDK_DISABLED !== 'true' &&
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

/**
 * Registers the tracer provider (OTLP/HTTP exporter, batched; the standard OTEL_* variables tune it) under the
 * service's name. The instrumentations were installed when service-kit was first imported (see instrument.ts).
 * The SDK is loaded only then: a service without tracing does not carry it.
 */
export function initTracing(service: string): void {
  if (provider || !tracingEnabled()) return;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { NodeTracerProvider } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  /* eslint-enable @typescript-eslint/no-require-imports */
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
}

/** Flushes the spans still buffered, then unregisters the provider (a service restarted in-process starts clean). */
export async function shutdownTracing(): Promise<void> {
  if (!provider) return;
  await provider.shutdown();
  provider = undefined;
  trace.disable();
  propagation.disable();
  context.disable();
}

/** OTel messaging semantic-convention attributes of a consumed record. */
export function consumerAttributes(message: InboundMessage, groupId: string, batchSize?: number): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': message.topic,
    'messaging.destination.partition.id': String(message.partition),
    'messaging.consumer.group.name': groupId,
    'messaging.kafka.offset': Number(message.offset),
    ...(message.key !== null ? { 'messaging.kafka.message.key': message.key } : {}),
    ...(message.headers.ce_id ? { 'messaging.message.id': message.headers.ce_id } : {}),
    ...(batchSize ? { 'messaging.batch.message_count': batchSize } : {}),
  };
}

/** Runs `fn` in a consumer span whose parent is the producer's context from the record's `traceparent` header. */
export async function withConsumerSpan<T>(
  name: string,
  headers: Record<string, string>,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * For records handled together by a set-based batch handler (no per-record code runs): one consumer span per
 * record, each continuing that record's trace, spanning the batch's transaction.
 */
export async function withRecordSpans<T>(
  messages: readonly InboundMessage[],
  groupId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const spans = messages.map((m) =>
    tracer().startSpan(
      `process ${m.topic}`,
      { kind: SpanKind.CONSUMER, attributes: consumerAttributes(m, groupId, messages.length) },
      propagation.extract(ROOT_CONTEXT, m.headers),
    ),
  );
  try {
    return await fn();
  } catch (err) {
    for (const s of spans) failed(s, err);
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}

/**
 * Publishes outbox rows in producer spans: each a child of the span whose transaction wrote the row (its stored
 * `traceparent`), and the record carries the producer span's context on, so the consumer continues from the send.
 */
export async function withProducerSpans(
  messages: OutboundMessage[],
  send: (messages: OutboundMessage[]) => Promise<void>,
): Promise<void> {
  const spans: Span[] = [];
  const traced = messages.map((m) => {
    const parent = propagation.extract(ROOT_CONTEXT, m.headers ?? {});
    const span = tracer().startSpan(
      `send ${m.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': m.topic,
          'messaging.batch.message_count': messages.length,
          ...(m.key !== null ? { 'messaging.kafka.message.key': m.key } : {}),
          ...(m.headers?.ce_id ? { 'messaging.message.id': m.headers.ce_id } : {}),
        },
      },
      parent,
    );
    spans.push(span);
    const headers = { ...m.headers };
    propagation.inject(trace.setSpan(parent, span), headers);
    return { ...m, headers };
  });
  try {
    await send(traced);
  } catch (err) {
    for (const s of spans) failed(s, err);
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}

/** The W3C traceparent of the active span, to store in the outbox row. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}
