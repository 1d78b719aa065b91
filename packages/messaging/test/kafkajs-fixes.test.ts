/**
 * The fixes to kafkajs (kafkajs-fixes.ts), against the real broker:
 *  - request queues do not spin while idle: an idle producer and consumer group check their queues when a response
 *    comes (the consumer's long polls, its heartbeats), not a thousand times a second per connection; requests that
 *    must wait their turn (the idempotent producer sends one request at a time) are still all sent;
 *  - consumed records' headers: every header, a repeated key as the array of its values in order, keys named like
 *    Object.prototype members as plain headers; the consumer runner hands out each key's first value.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fixKafkajs } from '@orderflow/messaging';
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

it('consumed headers: every one, repeated keys in order, prototype names as plain keys', async () => {
  expect(fixKafkajs()).toEqual({ idleTimers: true, headerFolding: true }); // installed before the first fetch
  const topic = await h.topic('headers', 1);
  const producer = h.kafka.producer();
  await producer.connect();
  const headers = {
    ce_id: 'e-1',
    dup: ['first', 'second', 'third'],
    constructor: 'c',
    toString: 't',
    ['__proto__']: 'p',
    empty: '',
  };
  await producer.send({ topic, messages: [{ key: 'k', value: 'v', headers }] });
  await producer.disconnect();

  // kafkajs's own consumer: Buffers, a repeated key as an array.
  const consumer = h.kafka.consumer({ groupId: `${h.prefix}headers-raw` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const raw: Record<string, unknown>[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void raw.push(message.headers as Record<string, unknown>) });
  await waitFor(() => raw.length === 1, { description: 'the record consumed' });
  await consumer.disconnect();
  const text = (v: unknown): unknown => (Array.isArray(v) ? v.map(text) : Buffer.isBuffer(v) ? v.toString() : v);
  const got = raw[0]!;
  expect(Object.keys(got)).toEqual(['ce_id', 'dup', 'constructor', 'toString', '__proto__', 'empty']);
  expect(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, text(v)]))).toEqual(
    Object.fromEntries(Object.entries(headers)),
  );
  expect(Object.getPrototypeOf(got)).toBe(Object.prototype);

  // The consumer runner's records: strings, each key's first value.
  const [m] = await h.read(topic);
  expect(m!.headers).toEqual({
    ce_id: 'e-1',
    dup: 'first',
    constructor: 'c',
    toString: 't',
    ['__proto__']: 'p',
    empty: '',
  });
});
