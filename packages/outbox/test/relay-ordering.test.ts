/**
 * Many writers commit out of id order (one holds its transaction open for seconds after drawing its ids) while the
 * relay runs: every committed event reaches Kafka exactly once, per order id in outbox-id and commit order, and a
 * rolled-back transaction's events never appear.
 */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testing';
import type { OutboxRecord } from '@orderflow/outbox';
import { anEvent, createHarness, delay, eventIdsOf, writeTx, type Harness, type WriteResult } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('outbox_order');
});
afterAll(() => h?.close());

interface Committed extends WriteResult {
  key: string;
  eventIds: string[];
}

describe('relay under concurrent writers committing out of id order', () => {
  it('publishes every committed event exactly once, in per-key id and commit order', async () => {
    const schema = await h.schema('orders_svc');
    const [topic] = (await h.topics('orders')) as [string];
    const relay = h.relay(schema, { batchSize: 7 });
    relay.start();

    const keys = Array.from({ length: 6 }, (_, i) => `ord-${i}-${randomUUID().slice(0, 8)}`);
    const slowKey = keys[0]!;
    const committed: Committed[] = [];
    const run = async (key: string, records: OutboxRecord[], o: Parameters<typeof writeTx>[3] = {}) => {
      const r = await writeTx(h.pool, schema, records, o);
      if (r.committed) committed.push({ ...r, key, eventIds: records.map((x) => x.eventId) });
      return r;
    };

    // The slow writer draws its ids first, then stays open for 5 s while the others commit around it.
    let drawn!: () => void;
    const slowDrawn = new Promise<void>((resolve) => (drawn = resolve));
    const slowEvents = [anEvent(topic, slowKey), anEvent(topic, slowKey), anEvent(topic, slowKey)];
    const slow = run(slowKey, slowEvents, { hold: () => delay(5000), onIds: () => drawn() });
    await slowDrawn;

    // A rolled-back transaction on another key draws ids too; they must never be published.
    const doomed = [anEvent(topic, keys[1]!), anEvent(topic, keys[1]!)];
    const rollback = run(keys[1]!, doomed, { hold: () => delay(100), rollback: true });

    // 60 more transactions of 1-3 events over all keys (the slow key's writers queue behind its lock), each holding
    // for a random short time after drawing ids so that commit order differs from id order.
    const writers = Array.from({ length: 60 }, (_, i) => {
      const key = keys[i % keys.length]!;
      const records = Array.from({ length: 1 + (i % 3) }, () => anEvent(topic, key));
      return run(key, records, { hold: () => delay(Math.floor(Math.random() * 80)) });
    });
    const [slowResult] = await Promise.all([slow, rollback, ...writers]);

    // The premise: many transactions that drew higher ids committed before the slow one, which drew lower ids.
    const overtook = committed.filter(
      (c) => c.committedAt < slowResult.committingAt && Math.min(...c.ids) > Math.max(...slowResult.ids),
    );
    expect(overtook.length).toBeGreaterThan(30);

    const expectedIds = committed.flatMap((c) => c.eventIds);
    await waitFor(async () => (await relay.backlog()).pending === 0, {
      timeoutMs: 20000,
      description: 'backlog to drain',
    });
    const unpublished = await h.pool.query(`SELECT count(*)::int AS n FROM ${schema}.outbox`);
    expect(unpublished.rows[0].n).toBe(0);

    const records = await h.read(topic);
    const onKafka = eventIdsOf(records);
    // Exactly once: the same set, no duplicates, nothing from the rolled-back transaction.
    expect(onKafka).toHaveLength(expectedIds.length);
    expect(new Set(onKafka).size).toBe(onKafka.length);
    expect([...onKafka].sort()).toEqual([...expectedIds].sort());
    for (const d of doomed) expect(onKafka).not.toContain(d.eventId);
    await waitFor(() => relay.status().published >= expectedIds.length, { description: 'the relay to count' });
    expect(relay.status().published).toBe(expectedIds.length);
    for (const r of records) expect(r.headers['ce-id']).toBe(eventIdsOf([r])[0]);

    let orderedPairs = 0;
    for (const key of keys) {
      const forKey = records.filter((r) => r.key === key);
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
      const kafkaOrder = eventIdsOf(forKey); // readTopic sorts by partition, offset
      // Kafka order == outbox id order.
      const { rows } = await h.pool.query<{ event_id: string }>(
        `SELECT event_id FROM ${schema}.outbox_published WHERE message_key = $1 ORDER BY id`,
        [key],
      );
      expect(kafkaOrder).toEqual(rows.map((r) => r.event_id));
      // Kafka order == commit order, for every pair of the key's transactions whose commits certainly did not overlap.
      const txs = committed.filter((c) => c.key === key);
      const pos = (c: Committed) => c.eventIds.map((e) => kafkaOrder.indexOf(e));
      for (const a of txs) {
        for (const b of txs) {
          if (a.committedAt >= b.committingAt) continue;
          orderedPairs += 1;
          expect(Math.max(...pos(a))).toBeLessThan(Math.min(...pos(b)));
        }
      }
    }
    expect(orderedPairs).toBeGreaterThan(100);
    // The slow key's other writers waited behind its lock: the slow transaction's events come first for that key.
    expect(eventIdsOf(records.filter((r) => r.key === slowKey)).slice(0, 3)).toEqual(slowEvents.map((e) => e.eventId));

    await relay.stop();
  });
});
