/**
 * Records on Kafka carry schema ids forever, so ids must survive a registry restart. This test runs a registry of
 * its own (same Apicurio build, SQL storage in its own PostgreSQL database) so the shared one is never disturbed:
 * register and produce, stop the registry, start it again on the same storage, and decode the earlier records.
 */
import { Client } from 'pg';
import { EventCodec } from '@orderflow/contracts';
import { readTopic } from '@orderflow/messaging';
import { anOrder, freePort, TestKafka, testEnv, uniqueId, uniquePrefix, waitFor } from '@orderflow/testing';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const infra = require('../../../tools/infra');

const id = uniqueId();
const database = `orderflow_registry_restart_${id}`;
const name = `registry-restart-${id}`;
const prefix = uniquePrefix('restart');
const tk = new TestKafka(prefix);
let port: number;

async function startRegistry(): Promise<void> {
  const pid = await infra.spawnRegistry({ port, database, name });
  await waitFor(
    async () => {
      process.kill(pid, 0); // throws (and so keeps waiting, then fails) if the process died
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      return res.ok && ((await res.json()) as { status: string }).status === 'UP';
    },
    { timeoutMs: 90000, intervalMs: 500, description: `registry on port ${port}` },
  );
}

beforeAll(async () => {
  port = await freePort();
  await tk.setup(1);
}, 120000);

afterAll(async () => {
  await infra.stop(name);
  await tk.close();
  const c = new Client({ connectionString: testEnv().adminDatabaseUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await c.end();
});

it('decodes records produced before a registry restart, and keeps their ids', async () => {
  await startRegistry();
  const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  const before = new EventCodec({ registryUrl: url, topicPrefix: prefix });
  const orders = [anOrder(), anOrder(), anOrder()];
  for (const o of orders) {
    const value = await before.encode('order.created', o);
    await tk.producer.send([{ topic: tk.topic('order.created'), key: o.orderId, value }]);
  }
  const idBefore = await before.schemaIdOf('order.created');

  await infra.stop(name);
  await expect(fetch(`http://127.0.0.1:${port}/health/ready`)).rejects.toThrow();
  await startRegistry();

  const after = new EventCodec({ registryUrl: url, topicPrefix: prefix, autoRegister: false });
  const records = await readTopic(tk.kafka, tk.topic('order.created'));
  const decoded = await Promise.all(records.map(async (r) => (await after.decode('order.created', r.value)).event));
  expect(decoded).toEqual(orders);
  expect(await after.schemaIdOf('order.created')).toBe(idBefore);
}, 240000);
