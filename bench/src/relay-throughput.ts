/**
 * Outbox relay benchmark: N events committed to an outbox (transactions of 50), then one relay publishes them to a
 * real Kafka topic with acks=all. Prints the write rate, the relay's publish rate and the lag of the last row.
 * Usage: npm run build && npm run relay -w @orderflow/bench   (BENCH_EVENTS, default 20000)
 */
import { Pool } from 'pg';
import { appendToOutbox, OutboxRelay, outboxDdl } from '@orderflow/outbox';
import { createTestDatabase, TestKafka, uniquePrefix, waitFor, anOrder } from '@orderflow/testing';

async function main() {
  const n = Number(process.env.BENCH_EVENTS ?? 20000);
  const prefix = uniquePrefix('bench');
  const tk = new TestKafka(prefix);
  await tk.setup(6);
  const db = await createTestDatabase('bench');
  const pool = new Pool({ connectionString: db.url, max: 8 });
  await pool.query('CREATE SCHEMA bench');
  await pool.query(outboxDdl('bench'));
  const payload = await tk.codec.encode('order.created', anOrder());
  const topic = tk.topic('order.created');
  try {
    const t0 = Date.now();
    const tx = 50;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = w * tx; i < n; i += 4 * tx) {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const records = Array.from({ length: Math.min(tx, n - i) }, (_, k) => ({
            topic,
            key: `ord-${(i + k) % 1000}`,
            payload,
            headers: {},
            eventId: `e-${i + k}`,
            eventType: 'order.created',
          }));
          await appendToOutbox(c, 'bench', records);
          await c.query('COMMIT');
        } finally {
          c.release();
        }
      }
    });
    await Promise.all(writers);
    const writeMs = Date.now() - t0;
    const relay = new OutboxRelay({
      schema: 'bench',
      pool,
      connectionString: db.url,
      producer: tk.producer,
      batchSize: 1000,
    });
    const t1 = Date.now();
    relay.start();
    await waitFor(async () => (await relay.backlog()).pending === 0, {
      timeoutMs: 600_000,
      intervalMs: 50,
      description: 'relay drained',
    });
    const relayMs = Date.now() - t1;
    await relay.stop();
    const ends = await tk.admin.endOffsets(topic);
    const onKafka = [...ends.values()].reduce((s, o) => s + Number(o), 0);
    process.stdout.write(
      `${JSON.stringify(
        {
          events: n,
          onKafka,
          writeSeconds: writeMs / 1000,
          outboxWritesPerSecond: Math.round(n / (writeMs / 1000)),
          relaySeconds: relayMs / 1000,
          relayPublishedPerSecond: Math.round(n / (relayMs / 1000)),
          heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await pool.end();
    await tk.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
