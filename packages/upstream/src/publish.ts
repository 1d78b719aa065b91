import { setTimeout as sleep } from 'node:timers/promises';
import { cloudEventHeaders, type EventCodec } from '@orderflow/contracts';
import { retriability } from '@orderflow/errors';
import type { EventProducer, OutboundMessage } from '@orderflow/messaging';
import { toOrderCreated, type OrderInput } from './order-input';

export interface PublishOptions {
  codec: EventCodec;
  /** A connected producer; publishOrders neither connects nor disconnects it. */
  producer: EventProducer;
  /** `metadata.source` of every event. @default 'demo-upstream' */
  source?: string;
  /** Orders per second; 0 publishes as fast as the broker acknowledges. @default 0 */
  rate?: number;
  /** Orders per send. @default about ten sends a second at `rate` (1..100); 500 when the rate is unlimited */
  batchSize?: number;
  /** Stops taking orders from the source; the batch in hand is still sent. */
  signal?: AbortSignal;
  /** Called after every batch with the running totals (progress reporting). */
  onBatch?: (progress: PublishResult) => void;
}

export interface PublishResult {
  published: number;
  failed: number;
  elapsedMs: number;
  /** Orders per second actually achieved. */
  rate: number;
  /** 'done': the source ran out; 'aborted': the signal fired; 'broken': Kafka or the registry failed, see errors. */
  stopped: 'done' | 'aborted' | 'broken';
  /** The first 100 failures. */
  errors: { orderId: string | null; message: string }[];
}

const MAX_ERRORS = 100;

/** The batch size that gives about ten sends a second: small enough to pace smoothly, big enough to be cheap. */
export function batchSizeFor(rate: number): number {
  return rate > 0 ? Math.min(100, Math.max(1, Math.ceil(rate / 10))) : 500;
}

/**
 * Publishes orders as order.created events (key = orderId, CloudEvents headers), paced to `rate` in small batches.
 * An order that does not fit the contract counts as failed and the rest go on; when Kafka or the registry fails
 * (after the clients' own retries) publishing stops, because every later order would fail the same way.
 */
export async function publishOrders(
  orders: Iterable<OrderInput> | AsyncIterable<OrderInput>,
  opts: PublishOptions,
): Promise<PublishResult> {
  const rate = opts.rate ?? 0;
  const size = opts.batchSize ?? batchSizeFor(rate);
  const topic = opts.codec.topicOf('order.created');
  const started = Date.now();
  const result: PublishResult = { published: 0, failed: 0, elapsedMs: 0, rate: 0, stopped: 'done', errors: [] };
  const fail = (count: number, orderId: string | null, err: unknown) => {
    if (count === 0) return;
    result.failed += count;
    if (result.errors.length < MAX_ERRORS)
      result.errors.push({ orderId, message: (err as Error).message ?? String(err) });
  };

  const sendBatch = async (batch: OrderInput[]): Promise<void> => {
    // Pace by the orders already attempted: batch k leaves no earlier than k * size / rate seconds after the start.
    const due = started + ((result.published + result.failed) * 1000) / (rate || Infinity);
    if (due > Date.now()) await sleep(due - Date.now(), undefined, { signal: opts.signal }).catch(() => undefined);
    const messages: OutboundMessage[] = [];
    for (const [i, input] of batch.entries()) {
      try {
        const event = toOrderCreated(input, opts.source ?? 'demo-upstream');
        const value = await opts.codec.encode('order.created', event);
        messages.push({ topic, key: event.orderId, value, headers: cloudEventHeaders(event.metadata, event.orderId) });
      } catch (err) {
        fail(1, input.orderId, err);
        if (retriability(err) === 'retriable') {
          // The registry is away: neither the encoded part of the batch nor the rest will be sent.
          fail(messages.length + batch.length - i - 1, null, new Error('not sent: publishing stopped'));
          result.stopped = 'broken';
          return;
        }
      }
    }
    try {
      await opts.producer.send(messages);
      result.published += messages.length;
    } catch (err) {
      fail(messages.length, null, err);
      result.stopped = 'broken';
    }
  };

  let batch: OrderInput[] = [];
  for await (const order of orders) {
    batch.push(order);
    if (batch.length < size && !opts.signal?.aborted) continue;
    await sendBatch(batch);
    batch = [];
    report(result, started, opts);
    if (result.stopped === 'broken' || opts.signal?.aborted) break;
  }
  if (batch.length > 0 && result.stopped !== 'broken') {
    await sendBatch(batch);
    report(result, started, opts);
  }
  if (result.stopped === 'done' && opts.signal?.aborted) result.stopped = 'aborted';
  return report(result, started);
}

function report(result: PublishResult, started: number, opts?: PublishOptions): PublishResult {
  result.elapsedMs = Date.now() - started;
  result.rate = result.elapsedMs > 0 ? (result.published * 1000) / result.elapsedMs : 0;
  opts?.onBatch?.({ ...result, errors: [...result.errors] });
  return result;
}
