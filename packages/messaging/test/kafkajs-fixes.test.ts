/**
 * The fixes to kafkajs (kafkajs-fixes.ts), against the real broker:
 *  - request queues do not spin while idle: an idle producer and consumer group check their queues when a response
 *    comes (the consumer's long polls, its heartbeats), not a thousand times a second per connection; requests that
 *    must wait their turn (the idempotent producer sends one request at a time) are still all sent;
 *  - consumed records' headers: every header, a repeated key as the array of its values in order, keys named like
 *    Object.prototype members as plain headers; the consumer runner hands out each key's first value;
 *  - produced records are encoded into pooled buffers that are not zero-filled: every byte still arrives as sent, with
 *    the pool full of other bytes, for records and headers from empty to 70 KB (past the pool's 4 KiB); variable-length
 *    integers as kafkajs's own loop writes them.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fixKafkajs } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { createHarness, type Harness } from './harness';

interface Queue {
  checkPendingRequests(this: Queue): void;
}
/** kafkajs's own modules, as the fixes reach them. */
const kafkajsInternal = createRequire(__filename);
const queueProto = (kafkajsInternal('kafkajs/src/network/requestQueue') as { prototype: Queue }).prototype;

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
  expect(fixKafkajs()).toEqual({ idleTimers: true, headerFolding: true, encoderAllocation: true }); // installed before the first fetch
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

it('produced records arrive byte for byte, encoded in buffers that held other bytes', async () => {
  expect(fixKafkajs().encoderAllocation).toBe(true);
  const topic = await h.topic('encoding', 2);
  const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));
  const sizes = [0, 1, 63, 64, 511, 512, 1500, 4095, 4096, 9000, 70_000];
  const sent = sizes.map((n, i) => ({
    key: i % 3 === 0 ? null : `key-${i}-${'k'.repeat(n % 700)}`,
    value: i === 0 ? null : bytes(n, i),
    headers: {
      ce_id: randomUUID(),
      ce_type: 'orderflow.test',
      big: bytes(Math.min(n, 6000), i + 7),
      dup: ['one', 'two'],
      empty: '',
    },
  }));
  const producer = h.kafka.producer();
  await producer.connect();
  for (const m of sent) {
    // Node's buffer pool and the heap full of other bytes: a byte an encoder did not write would show.
    for (let k = 0; k < 64; k++) Buffer.allocUnsafe(1 + ((k * 97) % 4000)).fill(0xee);
    await producer.send({ topic, messages: [m] });
  }
  await producer.send({ topic, messages: sent }); // and all of them in one batch
  await producer.disconnect();

  const consumer = h.kafka.consumer({ groupId: `${h.prefix}encoding-raw`, maxBytes: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: { key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) =>
      void got.push({ key: message.key, value: message.value, headers: message.headers as Record<string, unknown> }),
  });
  await waitFor(() => got.length === 2 * sent.length, { description: 'every record consumed' });
  await consumer.disconnect();
  const asSent = (m: (typeof sent)[number]) => ({
    key: m.key === null ? null : Buffer.from(m.key),
    value: m.value,
    headers: {
      ce_id: Buffer.from(m.headers.ce_id),
      ce_type: Buffer.from(m.headers.ce_type),
      big: m.headers.big,
      dup: m.headers.dup.map((v) => Buffer.from(v)),
      empty: Buffer.alloc(0),
    },
  });
  const byId = (list: { headers: Record<string, unknown> }[]) =>
    [...list].sort((a, b) => String(a.headers.ce_id).localeCompare(String(b.headers.ce_id)));
  const expected = byId([...sent, ...sent].map(asSent));
  expect(byId(got)).toEqual(expected);
});

it("variable-length integers are written in place as kafkajs's own loop writes them", () => {
  expect(fixKafkajs().encoderAllocation).toBe(true);
  const Encoder = kafkajsInternal('kafkajs/src/protocol/encoder') as new () => {
    writeUVarInt(v: number): unknown;
    writeVarInt(v: number): unknown;
    buffer: Buffer;
  };
  // kafkajs 2.2.4's writeUVarInt, as it was: each byte pushed to an array, the array copied in as a Buffer.
  const reference = (value: number) => {
    const bytes: number[] = [];
    while ((value & 0xffffff80) !== 0) {
      bytes.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    bytes.push(value & 0x7f);
    return Buffer.from(bytes);
  };
  const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 31 - 1, 2 ** 32 - 1, -1, -129];
  for (const v of values) {
    const e = new Encoder();
    e.writeUVarInt(v);
    expect([v, e.buffer.toString('hex')]).toEqual([v, reference(v).toString('hex')]);
  }
  const e = new Encoder(); // several in a row, across the first buffer's end
  for (let i = 0; i < 100; i++) e.writeVarInt(i * 7919 - 300_000);
  const expected = Buffer.concat(
    Array.from({ length: 100 }, (_, i) => {
      const v = i * 7919 - 300_000;
      return reference((v << 1) ^ (v >> 31)); // kafkajs's zig-zag
    }),
  );
  expect(e.buffer.equals(expected)).toBe(true);
});
