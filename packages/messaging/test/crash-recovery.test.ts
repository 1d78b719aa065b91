/**
 * kafkajs restarts a consumer by itself only after retriable errors; after any other crash (for instance "group
 * coordinator not found" while a broker comes back) its consumer stays down. The runner then starts a fresh consumer
 * itself, which resumes from the committed offsets: nothing is skipped and the partition keeps flowing.
 *
 * The crash is provoked against the real broker: the dead-letter topic naming function throws once, so the error
 * escapes the batch into kafkajs. It carries the name of an error kafkajs gives up on at once (most others it retries
 * by re-fetching the batch), so kafkajs reports a crash without restart, as it does for a coordinator not found.
 */
import { randomUUID } from 'node:crypto';
import { PermanentError } from '@orderflow/errors';
import type { InboundMessage } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { bodyOf, createHarness, type Harness } from './harness';

let h: Harness;
afterAll(() => h?.close());

it('replaces a consumer that kafkajs will not restart, and resumes without skipping a record', async () => {
  h = await createHarness('crash');
  const topic = await h.topic('events', 1);
  const handled: string[] = [];
  let namingCalls = 0;
  const runner = h.runner({
    groupId: `${h.prefix}group`,
    topics: [topic],
    handler: async (m: InboundMessage) => {
      const body = bodyOf(m);
      if (body.kind === 'permanent') throw new PermanentError(`record ${body.id} is invalid`, 'BAD_RECORD');
      handled.push(body.id);
    },
    deadLetterTopic: (t) => {
      namingCalls += 1;
      if (namingCalls === 1) throw Object.assign(new Error('naming bug'), { name: 'KafkaJSNotImplemented' });
      return `${t}.dlq`;
    },
  });
  await runner.start();

  const key = `ord-${randomUUID()}`;
  const [before, poison, after] = [randomUUID(), randomUUID(), randomUUID()];
  await h.send(topic, [
    { key, body: { id: before } },
    { key, body: { id: poison, kind: 'permanent' } },
    { key, body: { id: after } },
  ]);

  await waitFor(() => handled.includes(after), { timeoutMs: 30000, description: 'the record after the crash' });
  expect(runner.state).toBe('running');
  expect(runner.stats().lastError).toContain('naming bug');
  expect(namingCalls).toBe(2); // the crash, then the dead letter written by the fresh consumer
  const dlq = await waitFor(
    async () => {
      const records = await h.read(`${topic}.dlq`);
      return records.length > 0 && records;
    },
    { description: 'the dead letter' },
  );
  expect(dlq.map((r) => bodyOf(r).id)).toEqual([poison]);
  // At-least-once: the record before the crash may come again (its offset may not have been committed yet), but
  // every record is handled and in order.
  expect(handled.filter((id) => id === after)).toHaveLength(1);
  expect(handled.indexOf(before)).toBeLessThan(handled.indexOf(after));
}, 60000);
