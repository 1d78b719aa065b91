/**
 * Offset commits: the runner commits what it handled in one request per commit interval (not one per partition's
 * batch, kafkajs's auto-commit), commits within the interval while the group keeps running (lag reaches 0 on an idle
 * topic), and commits what it handled when it stops, however recently.
 */
import { randomUUID } from 'node:crypto';
import { ConsumerRunner } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { bodyOf, countingKafka, createHarness, type Harness } from './harness';

const OFFSET_COMMIT = 8; // Kafka protocol API key

let h: Harness;
beforeAll(async () => {
  h = await createHarness('commits');
});
afterAll(() => h?.close());

/** Committed offsets of the group summed over the topic's partitions, and the topic's end offsets summed. */
async function committedAndEnd(groupId: string, topic: string): Promise<{ committed: number; end: number }> {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = group!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    const end = (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
    return { committed, end };
  } finally {
    await admin.disconnect();
  }
}

it('commits many small batches in few requests, and reaches the end offsets while running', async () => {
  const topic = await h.topic('interval', 3);
  const groupId = `${h.prefix}interval-group`;
  const handled: string[] = [];
  let batches = 0;
  const commits: boolean[] = [];
  const requests = new Map<number, number>();
  const runner = new ConsumerRunner(countingKafka(requests), {
    groupId,
    topics: [topic],
    service: 'messaging-test',
    deadLetterProducer: h.producer,
    commitIntervalMs: 400,
    handler: async (m) => void handled.push(bodyOf(m).id),
    observer: { processed: () => void batches++, committed: (ok) => void commits.push(ok) },
  });
  await runner.start();
  // One record per request, a few milliseconds apart: most fetches bring one record, so most batches are single.
  const n = 60;
  for (let i = 0; i < n; i++) {
    await h.send(topic, [{ key: `k-${i % 6}`, body: { id: randomUUID() } }]);
    await new Promise((r) => setTimeout(r, 10));
  }
  await waitFor(() => handled.length === n, { timeoutMs: 20000, description: 'every record handled' });
  // Committed while the runner still runs and nothing more arrives: the interval, not the next batch, commits.
  await waitFor(async () => (await committedAndEnd(groupId, topic)).committed === n, {
    timeoutMs: 5000,
    intervalMs: 100,
    description: 'the group to commit every handled record without a stop',
  });
  await runner.stop();
  // kafkajs's auto-commit sends one commit per batch; the runner at most one per interval (and one at stop).
  expect(batches).toBeGreaterThan(10);
  const sent = requests.get(OFFSET_COMMIT) ?? 0;
  expect(sent).toBeGreaterThan(0);
  expect(sent).toBeLessThan(batches / 2);
  expect(commits).toHaveLength(sent); // each one reported to the metrics, all of them accepted
  expect(commits.every((ok) => ok)).toBe(true);
});

it('commits what it handled when it stops, long before the interval', async () => {
  const topic = await h.topic('stop', 2);
  const groupId = `${h.prefix}stop-group`;
  const first: string[] = [];
  const run1 = h.runner({
    groupId,
    topics: [topic],
    commitIntervalMs: 60000,
    handler: async (m) => void first.push(bodyOf(m).id),
  });
  await run1.start();
  const ids = Array.from({ length: 12 }, () => randomUUID());
  await h.send(
    topic,
    ids.map((id, i) => ({ key: `k-${i % 4}`, body: { id } })),
  );
  await waitFor(() => first.length === ids.length, { timeoutMs: 15000, description: 'first run to handle all' });
  expect((await committedAndEnd(groupId, topic)).committed).toBe(0); // the interval has not come yet
  await run1.stop();
  expect(await committedAndEnd(groupId, topic)).toEqual({ committed: ids.length, end: ids.length });

  const later = randomUUID();
  await h.send(topic, [{ key: 'k-0', body: { id: later } }]);
  const second: string[] = [];
  const run2 = h.runner({ groupId, topics: [topic], handler: async (m) => void second.push(bodyOf(m).id) });
  await run2.start();
  await waitFor(() => second.length >= 1, { timeoutMs: 15000, description: 'second run to handle the new record' });
  await new Promise((r) => setTimeout(r, 500)); // a redelivered record would have come with it
  expect(second).toEqual([later]);
  await run2.stop();
});
