/**
 * End-to-end benchmark: the six services as processes on this machine (plus Kafka, registry, PostgreSQL), N orders
 * published as fast as the producer can, each timed from its createdAt to the order.fulfilled event's occurredAt.
 * Prints throughput, latency percentiles and each service's memory. Usage: npm run build && npm run e2e -w @orderflow/bench
 * Environment: BENCH_ORDERS (default 2000), BENCH_RATE (orders/s offered, 0 = unlimited; default 0), CPU_PROFILE
 * (services to profile, e.g. analytics,inventory: .cpuprofile files land in .logs/e2e/<run>/).
 */
import { aLine, anOrder, Platform, SERVICES_FOR_BENCH, waitFor } from './platform';
import { rssMiB, summarize } from './stats';

async function main() {
  const n = Number(process.env.BENCH_ORDERS ?? 2000);
  const rate = Number(process.env.BENCH_RATE ?? 0);
  const p = new Platform();
  await p.start();
  try {
    // A catalogue of 50 SKUs, orders of 1-3 lines: contention like a shop's, not one hot row.
    const skus = Array.from({ length: 50 }, (_, i) => `BENCH-SKU-${i}`);
    for (const sku of skus) await p.setStock(sku, 10_000_000);
    const pick = () => skus[Math.floor(Math.random() * skus.length)]!;
    const orders = Array.from({ length: n }, () =>
      anOrder({
        lines: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => aLine({ sku: pick(), quantity: 1 })),
      }),
    );
    const started = Date.now();
    const batch = 100;
    for (let i = 0; i < n; i += batch) {
      const slice = orders.slice(i, i + batch);
      const now = Date.now();
      const records = await Promise.all(
        slice.map(async (o) => {
          o.createdAt = now;
          return {
            topic: p.kafka.topic('order.created'),
            key: o.orderId,
            value: await p.kafka.codec.encode('order.created', o),
          };
        }),
      );
      await p.kafka.producer.send(records);
      if (rate > 0) {
        const due = started + ((i + batch) / rate) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
    }
    const publishedMs = Date.now() - started;
    const ids = new Set(orders.map((o) => o.orderId));
    // Watch the topic's end offsets (cheap), then read and decode it once: polling by decoding would load the box.
    await waitFor(
      async () => {
        const ends = await p.kafka.admin.endOffsets(p.kafka.topic('order.fulfilled'));
        return [...ends.values()].reduce((sum, o) => sum + Number(o), 0) >= n;
      },
      { timeoutMs: 15 * 60_000, intervalMs: 250, description: `${n} orders fulfilled` },
    );
    const fulfilled = (await p.kafka.events('order.fulfilled')).filter((e) => ids.has(e.orderId));
    const created = new Map(orders.map((o) => [o.orderId, o.createdAt]));
    const latencies = fulfilled.map((e) => e.metadata.occurredAt - (created.get(e.orderId) ?? 0));
    const last = Math.max(...fulfilled.map((e) => e.metadata.occurredAt));
    const lat = summarize(latencies);
    const out = {
      orders: n,
      offeredRate: rate || 'unlimited',
      publishSeconds: +(publishedMs / 1000).toFixed(2),
      endToEndSeconds: +((last - started) / 1000).toFixed(2),
      throughputOrdersPerSecond: Math.round(n / ((last - started) / 1000)),
      latencyCreatedToFulfilledMs: lat,
      stageTimingsMs: (await p.get('analytics', '/summary')).body.stageTimingsMs,
      rssMiB: Object.fromEntries(SERVICES_FOR_BENCH.map((s) => [s, rssMiB(p.pid(s))])),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await p.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
