/**
 * The upstream system of the benchmark: orders of 1-3 lines over the catalogue's SKUs, published to order.created
 * paced at a rate (a batch every ~15 ms, as many as are due by then, so the rate holds even when a send is slow)
 * or as fast as the producer goes. Each order's createdAt is the time its batch is sent.
 */
import { cloudEventHeaders } from '@orderflow/contracts';
import { aLine, anOrder, type Platform } from '@orderflow/testing';

/** What was sent: each order's createdAt, and when sending began and ended. */
export interface Sent {
  createdAt: Map<string, number>;
  firstSendAt: number;
  lastSendAt: number;
}

const TICK_MS = 15;
const MAX_BATCH = 1000;

export class LoadGenerator {
  constructor(
    private readonly p: Platform,
    private readonly skus: readonly string[],
  ) {}

  /** `rate` orders per second for `seconds`; rate × seconds orders in all. */
  async paced(rate: number, seconds: number): Promise<Sent> {
    const total = Math.round(rate * seconds);
    const sent: Sent = { createdAt: new Map(), firstSendAt: Date.now(), lastSendAt: 0 };
    while (sent.createdAt.size < total) {
      const due = Math.min(total, Math.floor((rate * (Date.now() - sent.firstSendAt)) / 1000) + 1);
      const n = Math.min(MAX_BATCH, due - sent.createdAt.size);
      if (n > 0) await this.send(n, sent);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    return sent;
  }

  /** `n` orders as fast as the producer takes them (batches of 500, one request in flight). */
  async unlimited(n: number): Promise<Sent> {
    const sent: Sent = { createdAt: new Map(), firstSendAt: Date.now(), lastSendAt: 0 };
    while (sent.createdAt.size < n) await this.send(Math.min(500, n - sent.createdAt.size), sent);
    return sent;
  }

  private async send(n: number, sent: Sent): Promise<void> {
    const now = Date.now();
    const orders = Array.from({ length: n }, () => this.order(now));
    const topic = this.p.kafka.topic('order.created');
    const records = await Promise.all(
      orders.map(async (o) => ({
        topic,
        key: o.orderId,
        value: await this.p.kafka.codec.encode('order.created', o),
        headers: cloudEventHeaders(o.metadata, o.orderId),
      })),
    );
    await this.p.kafka.producer.send(records);
    for (const o of orders) sent.createdAt.set(o.orderId, now);
    sent.lastSendAt = Date.now();
  }

  /** 1-3 distinct SKUs, one unit each: contention like a shop's, not one hot row. */
  private order(now: number) {
    const lines = new Set<string>();
    const want = 1 + Math.floor(Math.random() * 3);
    while (lines.size < want) lines.add(this.skus[Math.floor(Math.random() * this.skus.length)]!);
    const o = anOrder({ lines: [...lines].map((sku) => aLine({ sku, quantity: 1 })), createdAt: now });
    o.metadata.occurredAt = now;
    return o;
  }
}
