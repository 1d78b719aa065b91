/**
 * Records shaped like the platform's: the Avro encoding of a real order.validated (what most hops carry: the
 * order forwarded), keyed by order id, with the CloudEvents headers and traceparent every event carries.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cloudEventHeaders, newMetadata, type EventCodec } from '@orderflow/contracts';
import { aLine, anOrder } from '@orderflow/testing';

export interface SampleRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** A W3C traceparent, as the relay sets when tracing is on (it is the larger case, so the honest one). */
function traceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** Encoded sizes of the first two events of an order (2 lines), to state what the ceilings send. */
export async function eventSizes(codec: EventCodec): Promise<{ orderCreated: number; orderValidated: number }> {
  const o = anOrder({ lines: [aLine({ sku: 'BENCH-SKU-1' }), aLine({ sku: 'BENCH-SKU-2' })] });
  const created = await codec.encode('order.created', o);
  const validated = await encodeValidated(codec, o);
  return { orderCreated: created.length, orderValidated: validated.length };
}

async function encodeValidated(codec: EventCodec, o: ReturnType<typeof anOrder>): Promise<Buffer> {
  const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = o;
  return codec.encode('order.validated', {
    metadata: newMetadata('order.validated', 'order-validator', o.metadata),
    orderId: o.orderId,
    order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
    validatedAt: Date.now(),
  });
}

/**
 * `n` records: one encoded order.validated value (encoding is not what a Kafka ceiling measures), a key and
 * headers of their own per record so they spread over the partitions as orders do.
 */
export async function sampleRecords(codec: EventCodec, n: number): Promise<SampleRecord[]> {
  const value = await encodeValidated(codec, anOrder({ lines: [aLine({ sku: 'BENCH-SKU-1' }), aLine()] }));
  return Array.from({ length: n }, () => {
    const orderId = `ord-${randomUUID()}`;
    const cause = { eventId: randomUUID(), correlationId: orderId };
    const meta = newMetadata('order.validated', 'order-validator', cause);
    return { key: orderId, value, headers: cloudEventHeaders(meta, orderId, traceparent()) };
  });
}
