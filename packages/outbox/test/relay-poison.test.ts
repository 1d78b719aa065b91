/**
 * A row the broker refuses for good does not jam the outbox (real broker, real PostgreSQL):
 *  - under a forced partial failure (one record of a multi-topic batch over the topic's max.message.bytes), every
 *    row marked published is on Kafka (nothing marked that the broker did not store), and once the poison row is
 *    dealt with the two sets are equal;
 *  - the refused row is parked with its error, every other key keeps flowing, and the rows of the same key behind it
 *    are held back (per-order order) until an operator discards or retries it;
 *  - a row over the relay's own size limit is parked without being sent at all.
 */
import { randomUUID } from 'node:crypto';
import { discardParked, listParked, retryParked } from '@orderflow/outbox';
import { waitFor } from '@orderflow/testing';
import { anEvent, createHarness, eventIdsOf, writeTx, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('relay-poison');
});
afterAll(() => h?.close());

async function markedIds(schema: string): Promise<string[]> {
  const r = await h.pool.query(`SELECT event_id FROM ${schema}.outbox_published ORDER BY id`);
  return r.rows.map((row) => row.event_id as string);
}

async function onKafka(...topics: string[]): Promise<string[]> {
  const all: string[] = [];
  for (const t of topics) all.push(...eventIdsOf(await h.read(t)));
  return all;
}

describe('a row the broker refuses for good', () => {
  it('is parked; the set marked published equals what Kafka stored; other keys flow; its key is held', async () => {
    const schema = await h.schema('poison');
    const [plain] = await h.topics('plain');
    const small = await h.topicWith('small', { 'max.message.bytes': '4096' });
    const keys = Array.from({ length: 8 }, (_, i) => `order-${i}-${randomUUID().slice(0, 6)}`);
    const poisonKey = keys[0]!;
    const before = [...keys.map((k) => anEvent(plain!, k)), ...keys.map((k) => anEvent(small, k))];
    const poison = { ...anEvent(small, poisonKey), payload: Buffer.alloc(20_000, 'x') };
    const heldRow = anEvent(plain!, poisonKey);
    const after = keys.slice(1).flatMap((k) => [anEvent(small, k), anEvent(plain!, k)]);
    // One transaction: the relay sees them all in one batch, so the broker's refusal is a partial failure.
    await writeTx(h.pool, schema, [...before, poison, heldRow, ...after]);

    const relay = h.relay(schema);
    relay.start();
    const flowing = [...before, ...after].map((r) => r.eventId);
    await waitFor(async () => (await markedIds(schema)).length === flowing.length, {
      timeoutMs: 30000,
      description: 'every row but the poison one and the one held behind it marked published',
    });
    const parked = await waitFor(async () => (await listParked(h.pool, schema))[0], {
      timeoutMs: 10000,
      description: 'the parked row',
    });
    expect(parked).toMatchObject({ eventId: poison.eventId, key: poisonKey, topic: small, heldBehind: 1 });
    expect(parked.reason).toMatch(/MESSAGE_TOO_LARGE/);
    expect(await relay.backlog()).toMatchObject({ parked: 1, pending: 1 });
    expect(relay.status().parked).toBe(1);
    expect(h.producer.resetCount).toBeGreaterThan(0); // the partial failure left kafkajs with stale sequences

    // Nothing marked that Kafka did not store. The only row stored but not marked may be the one held behind the
    // poison row: it travelled in the same request as the poison row, and the broker stored its partition's part.
    const stored = new Set(await onKafka(plain!, small));
    const marked = new Set(await markedIds(schema));
    for (const id of marked) expect(stored.has(id)).toBe(true);
    expect([...stored].filter((id) => !marked.has(id) && id !== heldRow.eventId)).toEqual([]);
    expect(stored.has(poison.eventId)).toBe(false);
    expect(marked.has(heldRow.eventId)).toBe(false);
    // Per key, the first appearance on Kafka follows the outbox order.
    const order = [...before, ...after].map((r) => r.eventId);
    for (const t of [plain!, small]) {
      const seen = eventIdsOf(await h.read(t));
      const firsts = seen.filter((id, i) => seen.indexOf(id) === i);
      for (const k of keys) {
        const mine = order.filter((id) => [...before, ...after].find((r) => r.eventId === id)!.key === k);
        const onTopic = firsts.filter((id) => mine.includes(id));
        expect(onTopic).toEqual(mine.filter((id) => onTopic.includes(id)));
      }
    }

    // Retry: still too large, so the broker refuses it again and it is parked again.
    expect(await retryParked(h.pool, schema, parked.id)).toBe(true);
    await waitFor(async () => relay.status().parked === 2, { timeoutMs: 15000, description: 'parked again' });
    expect(await markedIds(schema)).not.toContain(heldRow.eventId);

    // Discard: the held row flows.
    expect(await discardParked(h.pool, schema, parked.id)).toBe(true);
    await waitFor(async () => (await onKafka(plain!)).includes(heldRow.eventId), {
      timeoutMs: 15000,
      description: 'the held row published after the discard',
    });
    await waitFor(async () => (await markedIds(schema)).includes(heldRow.eventId), {
      timeoutMs: 5000,
      description: 'the held row marked',
    });
    expect(await listParked(h.pool, schema)).toEqual([]);
    expect(new Set(await markedIds(schema))).toEqual(new Set(await onKafka(plain!, small)));
  });

  it('is parked without sending when it is over the relay limit, and the other rows flow', async () => {
    const schema = await h.schema('oversize');
    const [topic] = await h.topics('oversize');
    const big = { ...anEvent(topic!, 'k-big'), payload: Buffer.alloc(5000, 'y') };
    const others = Array.from({ length: 20 }, (_, i) => anEvent(topic!, `k-${i}`));
    await writeTx(h.pool, schema, [big, ...others]);
    const relay = h.relay(schema, { maxRecordBytes: 4000 });
    relay.start();
    await waitFor(async () => (await markedIds(schema)).length === others.length, {
      timeoutMs: 20000,
      description: 'the other rows published',
    });
    const [parked] = await listParked(h.pool, schema);
    expect(parked).toMatchObject({ eventId: big.eventId, heldBehind: 0 });
    expect(parked!.reason).toMatch(/^RECORD_TOO_LARGE: \d+ bytes, the limit is 4000$/);
    expect(new Set(await onKafka(topic!))).toEqual(new Set(others.map((o) => o.eventId)));
  });
});
