/**
 * Redriving a dead letter puts it back on its original topic, where the consumer handles it; and committed offsets
 * survive a stop and restart of the group: handled records are not handled again, an unfinished one is.
 */
import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError } from '@orderflow/errors';
import { redriveDeadLetters, type InboundMessage } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { bodyOf, createHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('redrive');
});
afterAll(() => h?.close());

describe('redriveDeadLetters', () => {
  it('sends a dead letter back to its topic with its original headers, and the consumer then handles it', async () => {
    const topic = await h.topic('redrive', 1);
    const dlq = `${topic}.dlq`;
    const broken = new Set<string>();
    const handled: InboundMessage[] = [];
    const runner = h.runner({
      groupId: `${h.prefix}redrive-group`,
      topics: [topic],
      handler: async (m) => {
        const { id } = bodyOf(m);
        if (broken.has(id)) throw new PermanentError(`cannot apply ${id} yet`, 'NOT_YET');
        handled.push(m);
      },
    });
    await runner.start();

    const x = { id: randomUUID() };
    const y = { id: randomUUID() };
    broken.add(x.id);
    await h.send(topic, [
      { key: 'ord-x', body: x, headers: { 'ce-id': x.id, traceparent: '00-abc-def-01' } },
      { key: 'ord-y', body: y },
    ]);
    await waitFor(() => handled.some((m) => bodyOf(m).id === y.id), { timeoutMs: 10000, description: 'y handled' });
    await waitFor(async () => (await h.read(dlq)).length === 1, { timeoutMs: 10000, description: 'x dead-lettered' });
    expect(handled.map((m) => bodyOf(m).id)).toEqual([y.id]);

    broken.delete(x.id); // the fix is deployed
    expect(await redriveDeadLetters(h.kafka, h.producer, { deadLetterTopic: dlq })).toEqual({
      scanned: 1,
      redriven: 1,
    });
    const redriven = await waitFor(() => handled.find((m) => bodyOf(m).id === x.id), {
      timeoutMs: 10000,
      description: 'the redriven record to be handled',
    });
    expect(redriven.topic).toBe(topic);
    expect(redriven.key).toBe('ord-x');
    expect(BigInt(redriven.offset)).toBe(2n); // after x (0) and y (1): a new record on the original topic
    expect(redriven.headers).toEqual({
      'ce-id': x.id,
      traceparent: '00-abc-def-01',
      'dlq.redriven.from': `${dlq}/0/0`,
    });
    expect(handled.map((m) => bodyOf(m).id)).toEqual([y.id, x.id]);

    // A second run that skips what was already redriven sends nothing.
    const again = await redriveDeadLetters(h.kafka, h.producer, { deadLetterTopic: dlq, after: new Map([[0, 0n]]) });
    expect(again).toEqual({ scanned: 1, redriven: 0 });
    await runner.stop();
  });
});

describe('committed offsets across a restart', () => {
  it('does not hand handled records to the restarted group, but does redeliver the one in flight at stop', async () => {
    const topic = await h.topic('restart', 1);
    const groupId = `${h.prefix}restart-group`;
    const ids = Array.from({ length: 15 }, () => randomUUID());
    const stuck = ids[9]!; // the first run never manages to handle it: the database is "away"
    const first: string[] = [];
    const stuckAttempts: number[] = [];
    const run1 = h.runner({
      groupId,
      topics: [topic],
      handler: async (m) => {
        const { id } = bodyOf(m);
        if (id === stuck) {
          stuckAttempts.push(Date.now());
          throw new TransientError('database away', 'DB_DOWN');
        }
        first.push(id);
      },
    });
    await run1.start();
    await h.send(
      topic,
      ids.slice(0, 10).map((id) => ({ key: 'ord-r', body: { id } })),
    );
    await waitFor(() => first.length === 9 && stuckAttempts.length >= 2, {
      timeoutMs: 10000,
      description: 'first run to reach the stuck record',
    });
    await run1.stop(); // immediately: the last resolved offsets are committed by stop, not by the commit interval
    expect(run1.state).toBe('stopped');
    expect(first).toEqual(ids.slice(0, 9));

    await h.send(
      topic,
      ids.slice(10).map((id) => ({ key: 'ord-r', body: { id } })),
    );
    const second: string[] = [];
    const run2 = h.runner({ groupId, topics: [topic], handler: async (m) => void second.push(bodyOf(m).id) });
    await run2.start();
    await waitFor(() => second.length >= 6, { timeoutMs: 15000, description: 'second run to handle the rest' });
    // Single partition, handled in order: anything redelivered from the first run would have come first.
    expect(second).toEqual(ids.slice(9));
    await run2.stop();
  });
});
