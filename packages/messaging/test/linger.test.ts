/**
 * A consumer with a linger takes a trickle of records in few fetches (the broker holds each fetch to gather more),
 * where one without a linger is answered on each record; both handle every record, in order per key. Both groups
 * read the same trickle at the same time, each through a client that counts its fetch requests on the wire.
 */
import { randomUUID } from 'node:crypto';
import { ConsumerRunner } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { bodyOf, countingKafka, createHarness, type Harness } from './harness';

const FETCH = 1; // Kafka protocol API key

let h: Harness;
beforeAll(async () => {
  h = await createHarness('linger');
});
afterAll(() => h?.close());

it('a lingering consumer takes a trickle of records in far fewer fetches, every record in order', async () => {
  const topic = await h.topic('trickle', 3);
  const consumer = (name: string, lingerMs: number) => {
    const requests = new Map<number, number>();
    const handled: { key: string; seq: number }[] = [];
    const runner = new ConsumerRunner(countingKafka(requests), {
      groupId: `${h.prefix}${name}`,
      topics: [topic],
      service: 'messaging-test',
      deadLetterProducer: h.producer,
      lingerMs,
      handler: async (m) => void handled.push({ key: m.key!, seq: bodyOf(m).seq! }),
    });
    return { runner, requests, handled, fetches: () => requests.get(FETCH) ?? 0 };
  };
  const prompt = consumer('prompt', 0);
  const lingering = consumer('lingering', 400);
  await Promise.all([prompt.runner.start(), lingering.runner.start()]);
  const before = { prompt: prompt.fetches(), lingering: lingering.fetches() };

  // One record per request, every 20 ms for about a second and a half.
  const n = 60;
  for (let i = 0; i < n; i++) {
    await h.send(topic, [{ key: `k-${i % 6}`, body: { id: randomUUID(), seq: i } }]);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const c of [prompt, lingering])
    await waitFor(() => c.handled.length === n, { timeoutMs: 20000, description: 'every record handled' });
  const fetched = { prompt: prompt.fetches() - before.prompt, lingering: lingering.fetches() - before.lingering };
  await Promise.all([prompt.runner.stop(), lingering.runner.stop()]);

  // The prompt consumer's fetch is answered on (nearly) every record; the lingering one's every 400 ms or so.
  expect(fetched.prompt).toBeGreaterThan(n / 2);
  expect(fetched.lingering).toBeLessThan(fetched.prompt / 4);
  for (const c of [prompt, lingering]) {
    expect(c.handled.map((x) => x.seq).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    for (let k = 0; k < 6; k++) {
      const seqs = c.handled.filter((x) => x.key === `k-${k}`).map((x) => x.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  }
});
