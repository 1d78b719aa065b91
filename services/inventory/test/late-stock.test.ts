/**
 * The batch path's late stock write (StockMode 'late'): a batch decides its orders on stock read without locks and
 * writes the stock at commit, with the rows locked then. Here the stock changes in between, while the batch waits
 * for the row lock: its decisions no longer fit, so it must not commit them; its records are decided again one by
 * one, on locked rows. One partition, so the records published in one request are one batch.
 */
import { Client } from 'pg';
import { runService } from '@orderflow/service-kit';
import { aLine, componentTest, uniqueId, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { inventory } from '../src/service';
import { orderValidated } from './events';
import { ADMIN_TOKEN, probes } from './probes';

const c = componentTest('inventory', async (env) => runService(inventory(readConfig(env))), {
  partitions: 1,
  env: { ADMIN_TOKEN },
});
const { tk } = c;
const p = probes(c);

it('stock counted down while a batch waits to write it: decided again with locks, no oversell, each order once', async () => {
  const sku = `LATE-${uniqueId()}`;
  await p.putStock(sku, 20);
  // 10 orders of 2 units: all fit the 20 on hand that the batch reads.
  const orders = Array.from({ length: 10 }, () => orderValidated([aLine({ sku, quantity: 2 })]));
  const ids = orders.map((o) => o.orderId);
  const pg = new Client({ connectionString: c.db.url });
  await pg.connect();
  try {
    // A stock count to 11, not yet committed: the batch still reads 20, and waits for this row lock at its commit.
    await pg.query('BEGIN');
    const counted = await pg.query('UPDATE inventory.stock SET on_hand = 11 WHERE sku = $1', [sku]);
    expect(counted.rowCount).toBe(1);
    const [batches, singles] = [
      await p.handlerRuns('order.validated', 'batch'),
      await p.handlerRuns('order.validated', 'single'),
    ];
    await tk.publishMany('order.validated', orders);
    await waitFor(
      async () =>
        (
          await pg.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))`,
          )
        ).rows[0].n > 0,
      { description: 'the batch waiting for the stock row lock at its commit', timeoutMs: 30000 },
    );
    await pg.query('COMMIT');

    const [reserved, rejected] = await p.outcomesOf(ids);
    expect(await p.handlerRuns('order.validated', 'batch')).toBeGreaterThan(batches); // the batch ran...
    expect(await p.handlerRuns('order.validated', 'single')).toBe(singles + 10); // ...and its records again, alone
    const decided = [...reserved, ...rejected].map((e) => e.orderId);
    expect(decided.sort()).toEqual([...ids].sort()); // every order exactly once
    expect(reserved).toHaveLength(5); // 11 on hand: five orders of 2, in offset order
    expect(reserved.map((e) => e.orderId)).toEqual(ids.slice(0, 5));
    expect(rejected.every((e) => e.shortages.every((s) => s.code === 'INSUFFICIENT_STOCK'))).toBe(true);
    expect(await p.stockOf(sku)).toEqual({ sku, onHand: 11, reserved: 10, available: 1 });
    for (const id of ids.slice(5)) expect(await p.reservationOf(id)).toBeUndefined();
  } finally {
    await pg.query('ROLLBACK').catch(() => undefined);
    await pg.end();
  }
});
