/**
 * Where the time goes, hop by hop: 300 orders at ~50/s through the six services; for each event, the time from the
 * previous event landing on Kafka to this one being handled (consumer side), and from being handled to landing on
 * Kafka (outbox relay side). Usage: npm run build && npm run hops -w @orderflow/bench
 */
import { readTopic } from '@orderflow/messaging';
import { aLine, anOrder, Platform, waitFor } from '@orderflow/testing';
import { summarize } from './stats';
async function main() {
  const p = new Platform();
  await p.start();
  try {
    await p.setStock('D', 1e7);
    const n = 300;
    const orders = Array.from({ length: n }, () => anOrder({ lines: [aLine({ sku: 'D' })] }));
    for (const o of orders) {
      o.createdAt = Date.now();
      await p.kafka.publish('order.created', o);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(
      async () =>
        [...(await p.kafka.admin.endOffsets(p.kafka.topic('order.fulfilled'))).values()].reduce(
          (s, o) => s + Number(o),
          0,
        ) >= n,
      { timeoutMs: 120000, intervalMs: 250 },
    );
    const types = [
      'order.created',
      'order.validated',
      'inventory.reserved',
      'payment.processed',
      'order.fulfilled',
    ] as const;
    const at = new Map<string, Map<string, { occurred: number; kafka: number }>>();
    for (const t of types) {
      const recs = await readTopic(p.kafka.kafka, p.kafka.topic(t));
      const m = new Map<string, { occurred: number; kafka: number }>();
      for (const r of recs) {
        const e = (await p.kafka.codec.decode(t, r.value)).event as {
          orderId: string;
          metadata: { occurredAt: number };
        };
        m.set(e.orderId, { occurred: e.metadata.occurredAt, kafka: r.timestamp });
      }
      at.set(t, m);
    }
    for (let i = 1; i < types.length; i++) {
      const prev = at.get(types[i - 1]!)!,
        cur = at.get(types[i]!)!;
      const consume: number[] = [],
        relay: number[] = [];
      for (const [id, c] of cur) {
        const pr = prev.get(id);
        if (!pr) continue;
        consume.push(c.occurred - pr.kafka);
        relay.push(c.kafka - c.occurred);
      }
      process.stdout.write(
        `${types[i]}: previous on Kafka → handled ${JSON.stringify(summarize(consume))}; handled → on Kafka ${JSON.stringify(summarize(relay))}\n`,
      );
    }
  } finally {
    await p.stop();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
