/**
 * ConsumerRunner against the real broker: order per partition, and what each kind of handler failure leads to
 * (permanent → dead letter at once; transient → retried in place; unknown → dead letter after a bounded number of
 * attempts), with the partition moving on after a dead letter.
 */
import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError } from '@orderflow/errors';
import type { ConsumerRunner, InboundMessage } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { bodyOf, createHarness, type Body, type Harness } from './harness';

const MAX_UNKNOWN = 3;

let h: Harness;
let topic: string;
let runner: ConsumerRunner;
/** Every handler call, in call order, with its outcome. */
const calls: { m: InboundMessage; body: Body; outcome: 'ok' | 'threw' }[] = [];
const attempts = (id: string) => calls.filter((c) => c.body.id === id);
const handled = (id: string) => calls.find((c) => c.body.id === id && c.outcome === 'ok');

async function handler(m: InboundMessage): Promise<void> {
  const body = bodyOf(m);
  const tries = attempts(body.id).length + 1;
  const fail = (err: Error) => {
    calls.push({ m, body, outcome: 'threw' });
    throw err;
  };
  if (body.kind === 'permanent') fail(new PermanentError(`order ${body.id} can never be applied`, 'BAD_ORDER'));
  if (body.kind === 'transient-twice' && tries <= 2) fail(new TransientError('database away', 'DB_DOWN'));
  if (body.kind === 'transient-then-unknown' && tries <= 4) fail(new TransientError('database away', 'DB_DOWN'));
  if (body.kind === 'unknown' || body.kind === 'transient-then-unknown')
    fail(new Error(`bug while handling ${body.id}`));
  // A little work, so that partitions really interleave and a per-partition order violation would show.
  await new Promise((r) => setTimeout(r, Math.random() * 5));
  calls.push({ m, body, outcome: 'ok' });
}

async function deadLetters(): Promise<InboundMessage[]> {
  return h.read(`${topic}.dlq`);
}

beforeAll(async () => {
  h = await createHarness('consumer');
  topic = await h.topic('events', 3);
  runner = h.runner({ groupId: `${h.prefix}group`, topics: [topic], handler, maxUnknownAttempts: MAX_UNKNOWN });
  await runner.start();
});
afterAll(() => h?.close());

describe('ConsumerRunner', () => {
  it('handles every record once, in offset order within each partition and in send order per key', async () => {
    // 12 random keys over 3 partitions: all on one partition has odds of 3 in 3^12, so partitions really interleave.
    const keys = Array.from({ length: 12 }, (_, i) => `ord-${i}-${randomUUID().slice(0, 6)}`);
    const sent = Array.from({ length: 90 }, (_, seq) => ({
      key: keys[seq % keys.length]!,
      body: { id: randomUUID(), seq },
    }));
    await h.send(topic, sent.slice(0, 45));
    await h.send(topic, sent.slice(45));
    await waitFor(() => sent.every((s) => handled(s.body.id)), {
      timeoutMs: 20000,
      description: 'all records handled',
    });

    const mine = calls.filter((c) => sent.some((s) => s.body.id === c.body.id));
    expect(mine).toHaveLength(sent.length);
    expect(mine.every((c) => c.outcome === 'ok')).toBe(true);
    expect(new Set(mine.map((c) => c.m.partition)).size).toBeGreaterThan(1);
    for (const p of new Set(mine.map((c) => c.m.partition))) {
      const offsets = mine.filter((c) => c.m.partition === p).map((c) => BigInt(c.m.offset));
      for (let i = 1; i < offsets.length; i++) expect(offsets[i]! > offsets[i - 1]!).toBe(true);
    }
    for (const key of keys) {
      const seqs = mine.filter((c) => c.m.key === key).map((c) => c.body.seq!);
      expect(seqs).toEqual(sent.filter((s) => s.key === key).map((s) => s.body.seq));
    }
  });

  it('dead-letters a permanent failure at once, with its coordinates, and handles the next record of the partition', async () => {
    const key = `ord-${randomUUID()}`;
    const poison = { id: randomUUID(), kind: 'permanent' };
    const next = { id: randomUUID() };
    await h.send(topic, [
      { key, body: poison, headers: { 'ce-type': 'order.created' } },
      { key, body: next },
    ]);
    await waitFor(() => handled(next.id), { timeoutMs: 10000, description: 'the record after the poison one' });
    expect(attempts(poison.id)).toHaveLength(1);
    const failed = attempts(poison.id)[0]!.m;
    expect(handled(next.id)!.m.partition).toBe(failed.partition);
    expect(BigInt(handled(next.id)!.m.offset)).toBe(BigInt(failed.offset) + 1n);

    const dl = await waitFor(async () => (await deadLetters()).find((d) => bodyOf(d).id === poison.id), {
      timeoutMs: 10000,
      description: 'the dead letter',
    });
    expect(dl.key).toBe(key);
    expect(dl.value).toEqual(failed.value);
    expect(dl.headers).toMatchObject({
      'ce-type': 'order.created',
      'dlq.error.code': 'BAD_ORDER',
      'dlq.error.class': 'PermanentError',
      'dlq.error.message': `order ${poison.id} can never be applied`,
      'dlq.service': 'messaging-test',
      'dlq.consumer.group': `${h.prefix}group`,
      'dlq.original.topic': topic,
      'dlq.original.partition': String(failed.partition),
      'dlq.original.offset': failed.offset,
      'dlq.attempts': '1',
    });
  });

  it('retries a transient failure in place until it succeeds, without dead-lettering it', async () => {
    const key = `ord-${randomUUID()}`;
    const flaky = { id: randomUUID(), kind: 'transient-twice' };
    const after = { id: randomUUID() };
    await h.send(topic, [
      { key, body: flaky },
      { key, body: after },
    ]);
    await waitFor(() => handled(after.id), { timeoutMs: 10000, description: 'the record after the flaky one' });
    expect(attempts(flaky.id).map((c) => c.outcome)).toEqual(['threw', 'threw', 'ok']);
    expect(new Set(attempts(flaky.id).map((c) => c.m.offset)).size).toBe(1);
    // In place: the next record on the partition waited for the flaky one.
    expect(calls.indexOf(handled(after.id)!)).toBeGreaterThan(calls.indexOf(handled(flaky.id)!));
    expect((await deadLetters()).filter((d) => bodyOf(d).id === flaky.id)).toHaveLength(0);
  });

  it(`dead-letters an unknown error after ${MAX_UNKNOWN} attempts and moves on`, async () => {
    const key = `ord-${randomUUID()}`;
    const buggy = { id: randomUUID(), kind: 'unknown' };
    const next = { id: randomUUID() };
    const deadBefore = runner.stats().deadLettered;
    await h.send(topic, [
      { key, body: buggy },
      { key, body: next },
    ]);
    await waitFor(() => handled(next.id), { timeoutMs: 10000, description: 'the record after the buggy one' });
    expect(attempts(buggy.id).map((c) => c.outcome)).toEqual(Array(MAX_UNKNOWN).fill('threw'));

    const dl = await waitFor(async () => (await deadLetters()).find((d) => bodyOf(d).id === buggy.id), {
      timeoutMs: 10000,
      description: 'the dead letter',
    });
    expect(dl.headers).toMatchObject({
      'dlq.error.code': 'UNEXPECTED',
      'dlq.error.class': 'Error',
      'dlq.error.message': `bug while handling ${buggy.id}`,
      'dlq.original.topic': topic,
      'dlq.original.offset': attempts(buggy.id)[0]!.m.offset,
      'dlq.attempts': String(MAX_UNKNOWN),
    });
    expect(runner.stats()).toMatchObject({ state: 'running', deadLettered: deadBefore + 1 });
  });

  it(`counts only unknown errors towards the ${MAX_UNKNOWN} attempts, not earlier transient ones`, async () => {
    const key = `ord-${randomUUID()}`;
    const record = { id: randomUUID(), kind: 'transient-then-unknown' };
    const next = { id: randomUUID() };
    await h.send(topic, [
      { key, body: record },
      { key, body: next },
    ]);
    await waitFor(() => handled(next.id), { timeoutMs: 10000, description: 'the record after it' });
    // 4 transient failures (an outage), then the unknown error still gets its full number of attempts.
    expect(attempts(record.id)).toHaveLength(4 + MAX_UNKNOWN);
    const dl = await waitFor(async () => (await deadLetters()).find((d) => bodyOf(d).id === record.id), {
      timeoutMs: 10000,
      description: 'the dead letter',
    });
    expect(dl.headers).toMatchObject({ 'dlq.error.code': 'UNEXPECTED', 'dlq.attempts': String(4 + MAX_UNKNOWN) });
  });
});
