/**
 * The producer's partitioner (partitioner.ts): Kafka's murmur2 in 32-bit arithmetic, and kafkajs's DefaultPartitioner
 * around it. It must put every key where kafkajs's own DefaultPartitioner and the Java client put it, or an order's
 * events written before and after an upgrade (or by an upstream in another language) would land on two partitions
 * and lose their order. Checked against the vectors of Kafka's UtilsTest, against kafkajs's implementation for keys
 * of every shape, and on the real broker.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { murmur2, murmur2Partitioner } from '@orderflow/messaging';
import { createHarness, type Harness } from './harness';

const kafkajsInternal = createRequire(__filename);
const kafkajsMurmur2 = kafkajsInternal('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer | string,
) => number;

const metadata = (n: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

/** Keys of every shape the platform and its upstreams produce, and the edges of the hash's 4-byte groups. */
function keys(): (string | Buffer)[] {
  const out: (string | Buffer)[] = ['', 'a', 'ab', 'abc', 'abcd', 'abcde'];
  for (let i = 0; i < 2000; i++) out.push(randomUUID());
  for (let len = 0; len < 300; len++)
    out.push(
      randomBytes(len)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, 'x'),
    );
  for (let len = 0; len < 40; len++) out.push(randomBytes(len));
  // UTF-8 of more than one byte per character, before and after ASCII, and a lone surrogate.
  out.push('é', 'ordér-1', '注文-42', '🧾', 'order-🧾-7', `${'a'.repeat(255)}é`, '\ud800x');
  out.push('x'.repeat(256), 'y'.repeat(257), 'z'.repeat(1000));
  return out;
}

it("murmur2 gives the values of Kafka's UtilsTest", () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ];
  for (const [input, expected] of cases) expect([input, murmur2(Buffer.from(input))]).toEqual([input, expected]);
});

it('murmur2 equals kafkajs own for keys of every length and kind', () => {
  for (const key of keys()) {
    const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key);
    expect([key, murmur2(bytes)]).toEqual([key, kafkajsMurmur2(key)]);
  }
});

it("the partitioner puts every key where kafkajs's DefaultPartitioner does, whatever the partition count", () => {
  const ours = murmur2Partitioner();
  const theirs = Partitioners.DefaultPartitioner();
  for (const n of [1, 3, 6, 7, 64]) {
    const partitionMetadata = metadata(n);
    for (const key of keys()) {
      const args = { topic: 't', partitionMetadata, message: { key, value: null } };
      expect([key, n, ours(args)]).toEqual([key, n, theirs(args)]);
    }
  }
});

it('a given partition is kept; no key goes round robin over the partitions that have a leader', () => {
  const partition = murmur2Partitioner();
  expect(
    partition({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: null, partition: 4 } }),
  ).toBe(4);
  const seen = new Map<number, number>();
  const partitionMetadata = metadata(6, [1, 4]);
  for (let i = 0; i < 400; i++) {
    const p = partition({ topic: 't', partitionMetadata, message: { key: null, value: null } });
    seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  expect([...seen.keys()].sort()).toEqual([0, 2, 3, 5]);
  expect([...seen.values()]).toEqual([100, 100, 100, 100]);
  // With no partition led, one of them all still (as kafkajs: the send then waits for a leader or fails).
  const p = partition({ topic: 'u', partitionMetadata: metadata(3, [0, 1, 2]), message: { key: null, value: null } });
  expect([0, 1, 2]).toContain(p);
});

describe('on the broker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('partitioner');
  });
  afterAll(async () => {
    await h?.close();
  });

  it("the producer writes each key to murmur2(key) modulo the topic's partitions, as the Java client does", async () => {
    const topic = await h.topic('keyed', 6);
    const sent = [...Array.from({ length: 300 }, () => randomUUID()), 'foobar', '注文-42', 'x'.repeat(300)];
    await h.send(
      topic,
      sent.map((key) => ({ key, body: { id: key } })),
    );
    const read = await h.read(topic);
    expect(read).toHaveLength(sent.length);
    for (const m of read) {
      const expected = (kafkajsMurmur2(m.key!) & 0x7fffffff) % 6;
      expect([m.key, m.partition]).toEqual([m.key, expected]);
    }
    expect(new Set(read.map((m) => m.partition)).size).toBe(6);
  });
});
