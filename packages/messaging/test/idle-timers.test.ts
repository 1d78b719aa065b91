/**
 * kafkajs's request queues do not spin while idle (kafkajs-fixes.ts): an idle producer and consumer group check their
 * queues when a response comes (the consumer's long polls, its heartbeats), not a thousand times a second per
 * connection; and requests that must wait their turn (the idempotent producer sends one request at a time) are still
 * all sent.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { waitFor } from '@orderflow/testing';
import { createHarness, type Harness } from './harness';

interface Queue {
  checkPendingRequests(this: Queue): void;
}
const queueProto = (createRequire(__filename)('kafkajs/src/network/requestQueue') as { prototype: Queue }).prototype;

let checks = 0;
const check = queueProto.checkPendingRequests;
let h: Harness;
beforeAll(async () => {
  queueProto.checkPendingRequests = function (this: Queue) {
    checks += 1;
    check.call(this);
  };
  h = await createHarness('idle-timers');
});
afterAll(async () => {
  queueProto.checkPendingRequests = check;
  await h?.close();
});

it('an idle producer and consumer group check their request queues only when responses come', async () => {
  const topic = await h.topic('idle', 3);
  const handled: string[] = [];
  const runner = h.runner({
    groupId: `${h.prefix}idle-group`,
    topics: [topic],
    handler: async (m) => void handled.push(m.key!),
  });
  await runner.start();
  await h.send(topic, [{ key: 'k1', body: { id: randomUUID() } }]);
  await waitFor(() => handled.length === 1, { description: 'the record handled' });

  const before = checks;
  await new Promise((r) => setTimeout(r, 2000));
  const perSecond = (checks - before) / 2;
  // With the loop: about a thousand a second per connection (producer, admin, consumer, group coordinator). Without
  // it: one per response, about ten long polls and one heartbeat a second.
  expect(perSecond).toBeLessThan(100);
});

it('requests that wait for the one in flight are all sent', async () => {
  const topic = await h.topic('queued', 3);
  const ids = Array.from({ length: 60 }, () => randomUUID());
  // Sixty sends at once: the idempotent producer has one request in flight, the others wait in the queue.
  await Promise.all(ids.map((id, i) => h.send(topic, [{ key: `k${i % 7}`, body: { id } }])));
  const read = await h.read(topic);
  expect(read.map((m) => JSON.parse(m.value!.toString('utf8')).id).sort()).toEqual([...ids].sort());
});
