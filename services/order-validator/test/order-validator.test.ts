/**
 * order-validator as a component: real Kafka, registry and PostgreSQL; the service runs in-process with its own
 * database, schema, role and topic prefix.
 */
import { Client } from 'pg';
import { readTopic } from '@orderflow/messaging';
import { runService } from '@orderflow/service-kit';
import { aLine, anOrder, componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { orderValidator } from '../src/service';

const c = componentTest('order-validator', (env) => runService(orderValidator(readConfig(env))));
const { tk } = c;

it('validates a good order: order.validated carries the order forward, with correlation and causation', async () => {
  const order = anOrder({ lines: [aLine({ sku: 'A', quantity: 2, unitPriceMinor: 500 })] });
  await tk.publish('order.created', order);
  const validated = await waitFor(
    async () => (await tk.events('order.validated')).find((e) => e.orderId === order.orderId),
    {
      description: 'order.validated',
    },
  );
  expect(validated.order.totalMinor).toBe(1000);
  expect(validated.order.lines).toEqual(order.lines);
  expect(validated.metadata).toMatchObject({
    eventType: 'order.validated',
    source: 'order-validator',
    correlationId: order.metadata.correlationId,
    causationId: order.metadata.eventId,
    schemaVersion: 1,
  });
  const { status, body } = await getJson(c.port, `/orders/${order.orderId}`);
  expect(status).toBe(200);
  expect(body).toMatchObject({ orderId: order.orderId, status: 'VALIDATED', totalMinor: 1000, currency: 'EUR' });
});

it('rejects a bad order with every reason code', async () => {
  const order = anOrder({ lines: [aLine({ quantity: 0 })], totalMinor: 1 });
  await tk.publish('order.created', order);
  const rejected = await waitFor(
    async () => (await tk.events('order.rejected')).find((e) => e.orderId === order.orderId),
    {
      description: 'order.rejected',
    },
  );
  expect(rejected.reasons.map((r) => r.code)).toEqual(['INVALID_QUANTITY', 'TOTAL_MISMATCH']);
  expect(rejected.customer.email).toBe(order.customer.email);
  const { body } = await getJson(c.port, `/orders/${order.orderId}`);
  expect(body.status).toBe('REJECTED');
});

it('a redelivered event and a resubmitted order id each yield exactly one decision', async () => {
  const order = anOrder();
  await tk.publish('order.created', order);
  await tk.publish('order.created', order); // same event id: redelivery
  await tk.publish('order.created', { ...order, metadata: { ...order.metadata, eventId: 'another-event-id' } }); // resubmission
  await waitFor(async () => (await getJson(c.port, `/orders/${order.orderId}`)).body?.duplicateSubmissions === 1, {
    description: 'the resubmission to be counted',
  });
  // The decision is relayed to Kafka after its commit: wait for it, then make sure it is alone.
  const validated = await waitFor(
    async () => {
      const mine = (await tk.events('order.validated')).filter((e) => e.orderId === order.orderId);
      return mine.length > 0 && mine;
    },
    { description: 'order.validated' },
  );
  expect(validated).toHaveLength(1);
});

it('dead-letters an undecodable record and keeps the partition flowing', async () => {
  const poison = anOrder();
  await tk.publishRaw('order.created', poison.orderId, Buffer.from('definitely not avro'));
  const next = anOrder({ orderId: poison.orderId + '-next' });
  await tk.publish('order.created', next);
  const dead = await waitFor(
    async () => (await tk.deadLetters('order.created')).find((m) => m.key === poison.orderId),
    {
      description: 'dead letter',
    },
  );
  expect(dead.headers['dlq.error.code']).toBe('MALFORMED_MESSAGE');
  expect(dead.headers['dlq.service']).toBe('order-validator');
  expect(dead.headers['dlq.original.topic']).toBe(tk.topic('order.created'));
  expect(dead.value?.toString()).toBe('definitely not avro');
  await waitFor(async () => (await getJson(c.port, `/orders/${next.orderId}`)).status === 200, {
    description: 'next order',
  });
});

it('answers HTTP errors as JSON: 404 unknown order, 404 unknown route', async () => {
  expect(await getJson(c.port, '/orders/nope')).toEqual({
    status: 404,
    body: { error: { code: 'NOT_FOUND', message: 'order nope not found' } },
  });
  expect((await getJson(c.port, '/nothing-here')).status).toBe(404);
});

it('reports ready with database, broker, consumer, table statistics and relay checks', async () => {
  const { status, body } = await getJson(c.port, '/health/ready');
  expect(status).toBe(200);
  expect(body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
    ['postgres', true],
    ['kafka', true],
    ['consumer', true],
    ['table-statistics', true],
    ['outbox-relay', true],
  ]);
});

it('its role can reach its own schema only', async () => {
  const role = new Client({ connectionString: c.env.DATABASE_URL });
  await role.connect();
  try {
    await expect(role.query('SELECT count(*) FROM order_validator.orders')).resolves.toBeDefined();
    await expect(role.query('CREATE TABLE public.intruder (x int)')).rejects.toThrow(/permission denied/);
  } finally {
    await role.end();
  }
});

it('carries the trace context and CloudEvents headers from the consumed record to the emitted one', async () => {
  const order = anOrder();
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await tk.publish('order.created', order, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  const record = await waitFor(
    async () => (await readTopic(tk.kafka, tk.topic('order.validated'))).find((r) => r.key === order.orderId),
    { description: 'order.validated record' },
  );
  expect(record.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  expect(record.headers).toMatchObject({
    ce_specversion: '1.0',
    ce_type: 'order.validated',
    ce_source: 'order-validator',
    ce_subject: order.orderId,
    ce_correlationid: order.metadata.correlationId,
    ce_causationid: order.metadata.eventId,
    'content-type': 'application/avro',
  });
});
