/**
 * The relay's backlog report and the published marks, and the inbox that makes a redelivered event a no-op.
 */
import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testing';
import { backlogQuery, claimInbox, type InboxEntry } from '@orderflow/outbox';
import { anEvent, createHarness, eventIdsOf, writeTx, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('outbox_backlog');
});
afterAll(() => h?.close());

describe('backlog', () => {
  it('reports pending rows and their age, then 0 once the relay published and marked them', async () => {
    const schema = await h.schema('backlog_a');
    const [topic] = (await h.topics('backlog')) as [string];
    const relay = h.relay(schema);
    expect(await relay.backlog()).toEqual({ pending: 0, oldestAgeMs: 0, parked: 0 });

    const events = [anEvent(topic, 'ord-1'), anEvent(topic, 'ord-2'), anEvent(topic, 'ord-1')];
    await writeTx(h.pool, schema, events.slice(0, 2));
    await writeTx(h.pool, schema, events.slice(2));
    await writeTx(h.pool, schema, [anEvent(topic, 'ord-3')], { rollback: true });
    // Age the oldest row by 10 s so that the reported age is a measured quantity, not just "some number".
    await h.pool.query(
      `UPDATE ${schema}.outbox SET created_at = created_at - interval '10 seconds' WHERE event_id = $1`,
      [events[0]!.eventId],
    );

    const before = await relay.backlog();
    expect(before.pending).toBe(3);
    expect(before.oldestAgeMs).toBeGreaterThanOrEqual(10_000);
    expect(before.oldestAgeMs).toBeLessThan(20_000);

    relay.start();
    await waitFor(async () => (await relay.backlog()).pending === 0, {
      timeoutMs: 10000,
      description: 'backlog to reach 0',
    });
    expect(await relay.backlog()).toEqual({ pending: 0, oldestAgeMs: 0, parked: 0 });

    // Published rows leave the outbox; what was published, and when, stays in outbox_published.
    expect((await h.pool.query(`SELECT 1 FROM ${schema}.outbox`)).rowCount).toBe(0);
    const { rows } = await h.pool.query<{ event_id: string; published_at: Date | null }>(
      `SELECT event_id, published_at FROM ${schema}.outbox_published ORDER BY id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
    for (const r of rows) expect(r.published_at).toBeInstanceOf(Date);
    // The relay counts a batch once its mark has returned, a moment after the marks are visible.
    await waitFor(() => relay.status().published === 3, { description: 'the relay to count its batch' });
    expect(relay.status()).toEqual({ role: 'leader', published: 3, parked: 0 });
    expect(new Set(eventIdsOf(await h.read(topic)))).toEqual(new Set(events.map((e) => e.eventId)));
    await relay.stop();
    expect(relay.status().role).toBe('stopped');
  });

  it('counts up to a cap when asked: pending and parked rows each, the age of the oldest of those counted', async () => {
    const schema = await h.schema('backlog_cap');
    const [topic] = (await h.topics('backlog_cap')) as [string];
    const events = Array.from({ length: 5 }, (_, i) => anEvent(topic, `ord-${i}`));
    await writeTx(h.pool, schema, events);
    // Two parked (refused by the broker) and one of those discarded: one parked row counts.
    await h.pool.query(
      `UPDATE ${schema}.outbox SET parked_at = now(), park_reason = 'test' WHERE event_id = ANY($1)`,
      [[events[3]!.eventId, events[4]!.eventId]],
    );
    await h.pool.query(`UPDATE ${schema}.outbox SET discarded_at = now() WHERE event_id = $1`, [events[4]!.eventId]);
    await h.pool.query(
      `UPDATE ${schema}.outbox SET created_at = created_at - interval '10 seconds' WHERE event_id = $1`,
      [events[0]!.eventId],
    );
    const one = async (sql: string) =>
      (await h.pool.query<{ pending: number; age: number; parked: number }>(sql)).rows[0]!;
    const whole = await one(backlogQuery(schema));
    expect({ pending: whole.pending, parked: whole.parked }).toEqual({ pending: 3, parked: 1 });
    expect(whole.age).toBeGreaterThanOrEqual(10_000);
    const capped = await one(backlogQuery(schema, 2));
    expect({ pending: capped.pending, parked: capped.parked }).toEqual({ pending: 2, parked: 1 });
    expect(capped.age).toBeGreaterThanOrEqual(10_000); // the oldest is the first in id order
    expect((await one(backlogQuery(schema, 1))).pending).toBe(1);
  });
});

describe('inbox', () => {
  let schema: string;
  beforeAll(async () => {
    schema = await h.schema('inbox_a');
  });

  const entry = (eventId: string, offset = '7'): InboxEntry => ({
    eventId,
    eventType: 'order.created',
    topic: 'orders',
    partition: 1,
    offset,
  });

  async function inTx<T>(fn: (tx: PoolClient) => Promise<T>, rollback = false): Promise<T> {
    const tx = await h.pool.connect();
    try {
      await tx.query('BEGIN');
      const out = await fn(tx);
      await tx.query(rollback ? 'ROLLBACK' : 'COMMIT');
      return out;
    } finally {
      tx.release();
    }
  }

  it('claims an event id once: true, then false for the same id', async () => {
    const id = randomUUID();
    expect(await inTx((tx) => claimInbox(tx, schema, entry(id)))).toBe(true);
    expect(await inTx((tx) => claimInbox(tx, schema, entry(id, '8')))).toBe(false);
    expect(await inTx((tx) => claimInbox(tx, schema, entry(randomUUID())))).toBe(true);
    const r = await h.pool.query(`SELECT kafka_partition, kafka_offset FROM ${schema}.inbox WHERE event_id = $1`, [id]);
    expect(r.rows).toEqual([{ kafka_partition: 1, kafka_offset: '7' }]); // the first delivery's coordinates
  });

  it('forgets a claim whose transaction rolled back', async () => {
    const id = randomUUID();
    expect(await inTx((tx) => claimInbox(tx, schema, entry(id)), true)).toBe(true);
    expect(await inTx((tx) => claimInbox(tx, schema, entry(id)))).toBe(true);
    expect(await inTx((tx) => claimInbox(tx, schema, entry(id)))).toBe(false);
  });

  it('lets only one of two concurrent transactions claim the same event', async () => {
    const id = randomUUID();
    const first = await h.pool.connect();
    try {
      await first.query('BEGIN');
      expect(await claimInbox(first, schema, entry(id))).toBe(true);
      // The second claim waits on the first transaction's uncommitted row; once that commits, it is a duplicate.
      const second = inTx((tx) => claimInbox(tx, schema, entry(id)));
      await waitFor(
        async () => {
          const r = await h.pool.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
          );
          return r.rows[0].n === 1;
        },
        { timeoutMs: 5000, description: 'second claim to block on the first' },
      );
      await first.query('COMMIT');
      expect(await second).toBe(false);
    } finally {
      first.release();
    }
  });
});
