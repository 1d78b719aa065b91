/**
 * The broker goes away and comes back. Runs a broker of its own (same build, its own ports and data) so that no
 * other test is disturbed. While it is down the service reports not-ready and the relay keeps the outbox; when it
 * is back, what was committed meanwhile is published exactly once and new orders flow again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runService, type RunningService } from '@orderflow/service-kit';
import {
  anOrder,
  createTestDatabase,
  freePort,
  getJson,
  serviceEnv,
  TestKafka,
  uniqueId,
  uniquePrefix,
  waitFor,
} from '@orderflow/testing';
import { readConfig } from '../src/config';
import { orderValidator } from '../src/service';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const infra = require('../../../tools/infra');

const name = `kafka-outage-${uniqueId()}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-outage-'));
let port: number;
let controllerPort: number;
let tk: TestKafka;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let svc: RunningService;

async function startBroker(): Promise<void> {
  const pid = infra.spawnKafka({ port, controllerPort, dir, name, heap: '384m' });
  await waitFor(
    async () => {
      process.kill(pid, 0);
      return infra.kafkaReady(name, port);
    },
    { timeoutMs: 90000, intervalMs: 250, description: 'the outage broker to start' },
  );
}

beforeAll(async () => {
  port = await freePort();
  controllerPort = await freePort();
  await startBroker();
  const prefix = uniquePrefix('outage');
  tk = new TestKafka(prefix, [`127.0.0.1:${port}`]);
  await tk.setup(1);
  db = await createTestDatabase('outage');
  const env = serviceEnv('order-validator', { prefix, databaseUrl: db.url }, { KAFKA_BROKERS: `127.0.0.1:${port}` });
  svc = await runService(orderValidator(readConfig(env)));
}, 180000);

afterAll(async () => {
  await svc?.stop();
  await tk?.close().catch(() => undefined);
  await infra.stop(name);
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60000);

it('survives the broker going away: not ready meanwhile, the outbox is kept and published once afterwards', async () => {
  const before = anOrder();
  await tk.publish('order.created', before);
  // Its decision is on Kafka (relayed and acknowledged) before the broker goes: nothing is in flight.
  await waitFor(async () => (await tk.events('order.validated')).some((e) => e.orderId === before.orderId), {
    description: 'first order decided and relayed',
  });

  await infra.stop(name);
  await waitFor(async () => (await getJson(svc.port, '/health/ready')).status === 503, {
    timeoutMs: 30000,
    description: 'readiness to report the broker gone',
  });

  // A state change committed while the broker is away: its event waits in the outbox.
  const during = anOrder();
  const sql = new Client({
    connectionString: serviceEnv('order-validator', { prefix: '', databaseUrl: db.url }).DATABASE_URL,
  });
  await sql.connect();
  const encoded = await tk.codec.encode('order.validated', {
    metadata: { ...during.metadata, eventType: 'order.validated', source: 'order-validator' },
    orderId: during.orderId,
    order: {
      customer: during.customer,
      currency: during.currency,
      lines: during.lines,
      totalMinor: during.totalMinor,
      shippingAddress: during.shippingAddress,
      paymentMethodToken: during.paymentMethodToken,
    },
    validatedAt: Date.now(),
  });
  await sql.query(
    `INSERT INTO outbox (topic, message_key, payload, event_id, event_type) VALUES ($1, $2, $3, $4, 'order.validated')`,
    [tk.topic('order.validated'), during.orderId, encoded, during.metadata.eventId],
  );
  await sql.query(`NOTIFY order_validator_outbox`);

  await startBroker();
  await waitFor(
    async () => {
      const ready = await getJson(svc.port, '/health/ready');
      // Throwing keeps the last body, so a timeout names the check that stayed down.
      if (ready.status !== 200) throw new Error(JSON.stringify(ready.body));
      return true;
    },
    { timeoutMs: 60000, description: 'readiness after the broker is back' },
  );
  const after = anOrder();
  await tk.publish('order.created', after);
  const validated = await waitFor(
    async () => {
      const events = await tk.events('order.validated');
      const ids = events.map((e) => e.orderId);
      return ids.includes(after.orderId) && ids.includes(during.orderId) ? events : undefined;
    },
    { timeoutMs: 60000, description: 'the kept event and a new order on Kafka' },
  );
  expect(validated.filter((e) => e.orderId === during.orderId)).toHaveLength(1);
  expect(validated.filter((e) => e.orderId === before.orderId)).toHaveLength(1);
  // Rows are marked once the broker acknowledged, a moment after the records are readable.
  const pending = async () =>
    (await sql.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n as number;
  await waitFor(async () => (await pending()) === 0, { description: 'the outbox marked published' });
  expect(await pending()).toBe(0);
  await sql.end();
}, 240000);
