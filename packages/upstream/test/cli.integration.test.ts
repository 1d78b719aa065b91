/**
 * Against the real broker and registry: the CLI publishes order.created events that read back decoded, with the
 * metadata an upstream system adds. Each run has its own topic prefix, so it never sees another test's records.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestKafka, testEnv, uniquePrefix, waitFor } from '@orderflow/testing';
import { createRng, generateOrder, type OrderInput } from '../src';
import { main, type CliIo } from '../src/cli';

const prefix = uniquePrefix('upstream');
const tk = new TestKafka(prefix);
let dir: string;

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), readStdin: async () => '' };
}

const connection = (topicPrefix = prefix) => [
  '--brokers',
  testEnv().brokers.join(','),
  '--registry',
  testEnv().registryUrl,
  '--topic-prefix',
  topicPrefix,
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upstream-'));
  await tk.admin.connect();
  await tk.admin.ensureTopics([{ topic: tk.topic('order.created'), partitions: 3, retentionMs: -1 }]);
});

afterAll(async () => {
  await tk.close();
  await rm(dir, { recursive: true, force: true });
});

describe('orderflow-upstream against Kafka and the registry', () => {
  it('publish: sends every order of an NDJSON file as an order.created event keyed by orderId', async () => {
    const rng = createRng('cli-publish');
    const inputs: OrderInput[] = [
      generateOrder('happy', rng),
      generateOrder('decline', rng),
      generateOrder('reject', rng),
    ];
    inputs[0]!.createdAt = Date.UTC(2025, 0, 1);
    const file = join(dir, 'orders.ndjson');
    await writeFile(file, `${inputs.map((o) => JSON.stringify(o)).join('\n')}\n`);

    const io = captureIo();
    const code = await main(['publish', '--file', file, '--source', 'crm-test', ...connection()], io);

    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout.at(-1)).toMatch(/^published 3, failed 0, elapsed \d+\.\d\ds, rate [\d.]+ orders\/s$/);
    const events = await waitFor(
      async () => {
        const all = await tk.events('order.created');
        return all.length >= 3 && all;
      },
      { description: '3 order.created events' },
    );
    expect(events).toHaveLength(3);
    for (const input of inputs) {
      const event = events.find((e) => e.orderId === input.orderId)!;
      expect(event).toMatchObject({ ...input, createdAt: input.createdAt ?? expect.any(Number) });
      expect(event.metadata).toMatchObject({
        eventType: 'order.created',
        source: 'crm-test',
        correlationId: input.orderId,
        causationId: null,
      });
    }
  });

  it('generate: publishes the requested number of orders with the seed-determined mix', async () => {
    const io = captureIo();
    const args = ['generate', '--count', '7', '--rate', '0', '--mix', 'happy=1,undeliverable=1', '--seed', 's1'];
    const code = await main([...args, ...connection()], io);

    expect(code).toBe(0);
    expect(io.stdout[0]).toMatch(/^generated happy=\d+ undeliverable=\d+$/);
    expect(io.stdout.at(-1)).toMatch(/^published 7, failed 0,/);
    const generated = (await tk.events('order.created')).filter((e) => e.metadata.source === 'demo-upstream');
    expect(generated).toHaveLength(7);
    expect(new Set(generated.map((e) => ['00000', '99999'].includes(e.shippingAddress.postalCode))).size).toBe(2);
  });

  it('fails fast, publishing nothing, when the topic does not exist', async () => {
    const file = join(dir, 'one.ndjson');
    await writeFile(file, JSON.stringify(generateOrder('happy')));
    const io = captureIo();
    const code = await main(['publish', '--file', file, ...connection(uniquePrefix('missing'))], io);
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/topic missing-[0-9a-f]+\.order\.created does not exist/);
  });

  it('reports invalid lines with their numbers, publishes the rest and exits 1', async () => {
    const file = join(dir, 'mixed.ndjson');
    const good = generateOrder('happy', createRng('mixed'));
    await writeFile(file, `${JSON.stringify(good)}\nnot json\n{"orderId":"x"}\n`);
    const io = captureIo();
    const code = await main(['publish', '-f', file, '--source', 'mixed-test', ...connection()], io);
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      expect.stringMatching(/mixed\.ndjson:2: not valid JSON/),
      expect.stringMatching(/mixed\.ndjson:3: customer must be an object$/),
    ]);
    expect(io.stdout.at(-1)).toMatch(/^published 1, failed 0, invalid 2,/);
    const events = await tk.events('order.created');
    expect(events.filter((e) => e.metadata.source === 'mixed-test').map((e) => e.orderId)).toEqual([good.orderId]);
  });

  it('usage errors exit 2 with a hint', async () => {
    const io = captureIo();
    expect(await main(['generate', '--mix', 'happy=1,nope=2'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/unknown kind 'nope'[\s\S]*generate --help/);
    expect(await main(['publish', '--bogus'], captureIo())).toBe(2);
    expect(await main(['publish'], captureIo())).toBe(2);
    expect(await main([], captureIo())).toBe(2);
  });
});
