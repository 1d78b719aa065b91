/**
 * One trace per order: the six services as processes export their spans over OTLP/HTTP (the real exporter) to a
 * receiver of the test's own. The test plays the upstream system: it publishes order.created under a traceparent of
 * its own, and expects every hop of the saga — consumer span, handler's database work, relay's producer span, next
 * consumer — in that one trace, each child of the span that caused it.
 */
import { randomBytes } from 'node:crypto';
import {
  aCustomer,
  aLine,
  anOrder,
  Platform,
  READ_TOKEN,
  SERVICES,
  SpanKind,
  startOtlpReceiver,
  terminalStage,
  waitFor,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@orderflow/testing';

jest.setTimeout(240000);
let p: Platform;
let otlp: OtlpReceiver;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
  p = new Platform(Object.fromEntries(SERVICES.map((s) => [s, tracing])));
  await p.start();
}, 180000);
afterAll(async () => {
  await p?.stop();
  await otlp?.close();
}, 120000);

/** The hops of a happy order, in causal order: [service, span kind, event type of the topic]. */
const HOPS: [string, number, string][] = [
  ['order-validator', SpanKind.CONSUMER, 'order.created'],
  ['order-validator', SpanKind.PRODUCER, 'order.validated'],
  ['inventory', SpanKind.CONSUMER, 'order.validated'],
  ['inventory', SpanKind.PRODUCER, 'inventory.reserved'],
  ['payment', SpanKind.CONSUMER, 'inventory.reserved'],
  ['payment', SpanKind.PRODUCER, 'payment.processed'],
  ['fulfillment', SpanKind.CONSUMER, 'payment.processed'],
  ['fulfillment', SpanKind.PRODUCER, 'order.fulfilled'],
  ['notification', SpanKind.CONSUMER, 'order.fulfilled'],
];
/**
 * Analytics listens to every topic; its hop is checked on order.fulfilled, beside notification's. (notification.sent
 * is announced by notification's delivery worker after the commit, outside any span: it is not part of the trace.)
 */
const ANALYTICS_HOP: [string, number, string] = ['analytics', SpanKind.CONSUMER, 'order.fulfilled'];
const FULFILLED_SENT = HOPS[7]!;

it("one order's spans from all six services share one trace id, in causal order, relay hops included", async () => {
  await p.setStock('TRACE-1', 5);
  const email = 'traced@example.com';
  const order = anOrder({ customer: aCustomer({ email }), lines: [aLine({ sku: 'TRACE-1', quantity: 1 })] });
  const traceId = randomBytes(16).toString('hex');
  const upstreamSpanId = randomBytes(8).toString('hex');
  await p.kafka.publish('order.created', order, { traceparent: `00-${traceId}-${upstreamSpanId}-01` });

  expect(await waitFor(() => terminalStage(p, order.orderId), { timeoutMs: 60000 })).toBe('FULFILLED');
  await waitFor(() => p.smtp.mails.find((m) => m.to.includes(email)), { description: 'the shipping email' });
  // An operator's question about the order, asked within the trace: the HTTP and express spans join it.
  const asked = await fetch(`http://127.0.0.1:${p.port('analytics')}/orders/${order.orderId}/timeline`, {
    headers: { traceparent: `00-${traceId}-${upstreamSpanId}-01`, authorization: `Bearer ${READ_TOKEN}` },
  });
  expect(asked.status).toBe(200);

  const matching = (spans: ReceivedSpan[], [service, kind, type]: [string, number, string]) =>
    spans.filter((s) => s.service === service && s.kind === kind && s.name.endsWith(` ${p.prefix}${type}`));
  const find = (spans: ReceivedSpan[], hop: [string, number, string]) => matching(spans, hop)[0];
  /**
   * Follows the hops in causal order: each must have a span that is the child of a span of the hop before it (the
   * first, of the upstream's span) and starts after it. A retried handler or a republished batch adds spans; any
   * one of them may carry the chain. Returns the first hop that breaks it, or undefined.
   */
  const brokenHop = (spans: ReceivedSpan[]) => {
    let parents: { spanId: string; startNs: bigint }[] = [{ spanId: upstreamSpanId, startNs: 0n }];
    for (const hop of HOPS) {
      parents = matching(spans, hop).filter((s) =>
        parents.some((q) => q.spanId === s.parentSpanId && s.startNs >= q.startNs),
      );
      if (parents.length === 0) return hop.join(' ');
    }
    const sent = new Set(matching(spans, FULFILLED_SENT).map((s) => s.spanId));
    if (!matching(spans, ANALYTICS_HOP).some((s) => sent.has(s.parentSpanId ?? ''))) return ANALYTICS_HOP.join(' ');
    return undefined;
  };
  const spans = await waitFor(
    () => {
      const t = otlp.trace(traceId);
      return !brokenHop(t) && t.some((s) => s.kind === SpanKind.SERVER) && t;
    },
    { timeoutMs: 30000, description: `every hop of trace ${traceId} exported, each the child of the one before` },
  );
  expect(otlp.refused).toEqual([]);
  expect(new Set(spans.map((s) => s.service))).toEqual(new Set(SERVICES));
  expect(brokenHop(spans)).toBeUndefined();
  // Every span of the six services in this trace descends from the upstream's span: none started a trace of its own.
  const ids = new Set([upstreamSpanId, ...spans.map((s) => s.spanId)]);
  expect(spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);

  // Messaging spans carry OTel's semantic-convention attributes.
  const consumed = find(spans, HOPS[4]!)!;
  expect(consumed.attributes).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': `${p.prefix}inventory.reserved`,
    'messaging.consumer.group.name': `${p.prefix}payment`,
    'messaging.kafka.message.key': order.orderId,
  });
  expect(find(spans, HOPS[5]!)!.attributes).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.operation.type': 'send',
    'messaging.destination.name': `${p.prefix}payment.processed`,
  });
  // The handlers' PostgreSQL statements are spans of the trace, under the consumer span they ran in.
  const queries = spans.filter((s) => s.service === 'payment' && s.kind === SpanKind.CLIENT && /^pg\./.test(s.name));
  expect(queries.length).toBeGreaterThan(0);
  expect(queries.some((q) => q.parentSpanId === consumed.spanId)).toBe(true);
  // The HTTP request's server span and express's route spans.
  const server = spans.find((s) => s.service === 'analytics' && s.kind === SpanKind.SERVER)!;
  expect(server.parentSpanId).toBe(upstreamSpanId);
  expect(spans.some((s) => s.service === 'analytics' && s.parentSpanId === server.spanId)).toBe(true);
});
