/** The operator commands against the real broker and registry: setup is idempotent; dead letters are listed and redriven. */
import { catalog } from '@orderflow/contracts';
import { KafkaAdmin, createKafka, readTopic } from '@orderflow/messaging';
import { TestKafka, testEnv, uniquePrefix, waitFor } from '@orderflow/testing';
import { main } from '../src/cli';

const prefix = uniquePrefix('ops');
const env = testEnv();
const common = ['--brokers', env.brokers.join(','), '--registry', env.registryUrl, '--topic-prefix', prefix];

function capture() {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  return { text: () => out.join(''), restore: () => spy.mockRestore() };
}

it('setup creates every topic and dead-letter topic, registers every subject FULL_TRANSITIVE, and is idempotent', async () => {
  const first = capture();
  expect(await main(['setup', '--partitions', '1', ...common])).toBe(0);
  first.restore();
  const result = JSON.parse(first.text());
  expect(result.created).toHaveLength(catalog.topics.length * 2);
  expect(Object.keys(result.schemas)).toHaveLength(catalog.topics.length);

  const again = capture();
  expect(await main(['setup', '--partitions', '1', ...common])).toBe(0);
  again.restore();
  expect(JSON.parse(again.text())).toMatchObject({
    created: [],
    existing: catalog.topics.length * 2,
    schemas: result.schemas,
  });

  const admin = new KafkaAdmin(createKafka({ brokers: env.brokers, clientId: 'ops-test' }));
  await admin.connect();
  const topics = await admin.listTopics();
  await admin.disconnect();
  expect(topics).toEqual(expect.arrayContaining([`${prefix}order.created`, `${prefix}order.created.dlq`]));
  const cfg = await fetch(`${env.registryUrl}/config/${encodeURIComponent(`${prefix}payment.failed-value`)}`);
  expect(await cfg.json()).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
});

it('dlq list shows why a record was set aside; dlq redrive sends it back to its topic', async () => {
  const tk = new TestKafka(prefix);
  await tk.producer.connect();
  await tk.producer.send([
    {
      topic: `${prefix}order.created.dlq`,
      key: 'ord-dead',
      value: Buffer.from('bytes'),
      headers: {
        'dlq.error.code': 'MALFORMED_MESSAGE',
        'dlq.original.topic': `${prefix}order.created`,
        'dlq.service': 'order-validator',
      },
    },
  ]);
  const listed = capture();
  expect(await main(['dlq', 'list', '--topic', 'order.created', ...common])).toBe(0);
  listed.restore();
  expect(JSON.parse(listed.text())).toEqual([
    expect.objectContaining({ key: 'ord-dead', errorCode: 'MALFORMED_MESSAGE', service: 'order-validator' }),
  ]);

  const redriven = capture();
  expect(await main(['dlq', 'redrive', '--topic', 'order.created', '--key', 'ord-dead', ...common])).toBe(0);
  redriven.restore();
  expect(JSON.parse(redriven.text())).toEqual({ scanned: 1, redriven: 1 });
  const back = await waitFor(async () => {
    const records = await readTopic(tk.kafka, `${prefix}order.created`);
    return records.length ? records : undefined;
  });
  expect(back).toEqual([
    expect.objectContaining({
      key: 'ord-dead',
      headers: expect.objectContaining({ 'dlq.redriven.from': `${prefix}order.created.dlq/0/0` }),
    }),
  ]);
  await tk.close();
});

it('dlq without --topic is a usage error', async () => {
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  expect(await main(['dlq', 'list', ...common])).toBe(2);
  err.mockRestore();
});
