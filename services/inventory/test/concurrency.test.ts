/**
 * Several partitions' batches reserving the same hot SKUs at once (3 partitions, consumed concurrently): stock stays
 * exact, no order is decided twice or lost, and no batch fails (a deadlock would fail one, even if its fallback then
 * succeeded).
 */
import { Client } from 'pg';
import { runService } from '@orderflow/service-kit';
import { aLine, componentTest, uniqueId } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { inventory } from '../src/service';
import { orderValidated } from './events';
import { ADMIN_TOKEN, probes, recordingErrors } from './probes';

let errors: Error[] = [];
const c = componentTest(
  'inventory',
  async (env) => {
    const recording = recordingErrors(inventory(readConfig(env)));
    errors = recording.errors;
    return runService(recording.def);
  },
  { partitions: 3, env: { ADMIN_TOKEN, PARTITIONS_CONCURRENCY: '3' } },
);
const { tk } = c;
const p = probes(c);

it('300 orders across partitions on 10 SKUs of limited stock: no oversell, each decided once, no deadlock', async () => {
  const skus = Array.from({ length: 10 }, (_, i) => `HOT${i}-${uniqueId()}`);
  const ON_HAND = 40;
  for (const s of skus) await p.putStock(s, ON_HAND);
  // 1 to 3 lines each, over the same 10 SKUs in varying order: ~2 units per line, ~1,200 asked for 400 on hand.
  const orders = Array.from({ length: 300 }, (_, i) =>
    orderValidated(
      Array.from({ length: 1 + (i % 3) }, (_, k) =>
        aLine({ sku: skus[(i * 7 + k * 3) % 10]!, quantity: 1 + ((i + k) % 3) }),
      ),
    ),
  );
  const ids = orders.map((o) => o.orderId);
  const batchesBefore = await p.handlerRuns('order.validated', 'batch');
  // Three requests, so each partition gets several batches' worth while the others are being consumed too.
  for (let i = 0; i < 300; i += 100) await tk.publishMany('order.validated', orders.slice(i, i + 100));

  const [reserved, rejected] = await p.outcomesOf(ids);
  expect(await p.handlerRuns('order.validated', 'batch')).toBeGreaterThan(batchesBefore);
  const decided = [...reserved, ...rejected].map((e) => e.orderId);
  expect(decided).toHaveLength(300);
  expect(new Set(decided)).toEqual(new Set(ids)); // every order exactly once
  expect(reserved.length).toBeGreaterThan(0);
  expect(rejected.length).toBeGreaterThan(0);
  expect(rejected.every((e) => e.shortages.every((s) => s.code === 'INSUFFICIENT_STOCK'))).toBe(true);

  const held = new Map(skus.map((s) => [s, 0]));
  for (const r of reserved) for (const l of r.order.lines) held.set(l.sku, held.get(l.sku)! + l.quantity);
  for (const s of skus) {
    const level = await p.stockOf(s);
    expect(level).toEqual({ sku: s, onHand: ON_HAND, reserved: held.get(s), available: ON_HAND - held.get(s)! });
  }
  for (const r of reserved) expect((await p.reservationOf(r.orderId))?.status).toBe('RESERVED');
  for (const r of rejected) expect(await p.reservationOf(r.orderId)).toBeUndefined();

  expect(errors.map((e) => e.message)).toEqual([]); // no batch failed: no deadlock, no lock timeout
  const pg = new Client({ connectionString: c.db.url });
  await pg.connect();
  try {
    const { rows } = await pg.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()');
    expect(Number(rows[0].deadlocks)).toBe(0);
  } finally {
    await pg.end();
  }
});
