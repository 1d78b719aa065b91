/**
 * payment as a component: real Kafka, registry and PostgreSQL; the service runs in-process with its own database,
 * schema, role and topic prefix, charging through the simulated provider (whose ledger is read here as the provider's
 * own books would be).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { runService } from '@orderflow/service-kit';
import { aLine, componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { createProvider } from '../src/provider';
import { payment } from '../src/service';
import { expired, fulfillmentFailed, reserved } from './events';

let sql: Client;
const c = componentTest(
  'payment',
  async (env, self) => {
    const config = readConfig(env);
    const provider = createProvider(config);
    self.onTearDown(() => provider.close());
    sql = new Client({ connectionString: self.db.url });
    await sql.connect();
    self.onTearDown(() => sql.end());
    return runService(payment(config, provider));
  },
  { env: { SIM_TRANSIENT_FAILURES: '2' } },
);
const { tk } = c;

const eventsOf = async <T extends 'payment.processed' | 'payment.failed' | 'payment.refunded'>(
  type: T,
  orderId: string,
) => (await tk.events(type)).filter((e) => e.orderId === orderId);

const first = <T extends 'payment.processed' | 'payment.failed' | 'payment.refunded'>(type: T, orderId: string) =>
  waitFor(async () => (await eventsOf(type, orderId))[0], { description: `${type} of ${orderId}` });

/** Rows of the simulated provider's ledger for a key: what the provider actually charged or refunded. */
const ledger = async (key: string) =>
  (
    await sql.query(
      'SELECT kind, amount_minor, result FROM payment.simulated_provider_ledger WHERE idempotency_key = $1',
      [key],
    )
  ).rows;

/** Waits until the service has consumed the event and relayed everything the order's handlers emitted. */
const settled = (eventId: string, orderId: string) =>
  waitFor(
    async () => {
      const seen = await sql.query('SELECT 1 FROM payment.inbox WHERE event_id = $1', [eventId]);
      const pending = await sql.query('SELECT 1 FROM payment.outbox WHERE message_key = $1 AND published_at IS NULL', [
        orderId,
      ]);
      return seen.rowCount === 1 && pending.rowCount === 0;
    },
    { description: `event ${eventId} processed and relayed` },
  );

it('charges an approved order its exact total: payment.processed carries the order, HTTP shows CHARGED', async () => {
  const r = reserved({
    lines: [aLine({ quantity: 3, unitPriceMinor: 1999 }), aLine({ sku: 'B', unitPriceMinor: 5 })],
    currency: 'GBP',
  });
  await tk.publish('inventory.reserved', r);
  const processed = await first('payment.processed', r.orderId);
  expect(processed).toMatchObject({ amountMinor: 6002, currency: 'GBP', order: r.order });
  expect(processed.metadata).toMatchObject({
    source: 'payment',
    correlationId: r.orderId,
    causationId: r.metadata.eventId,
  });
  const [charge] = await ledger(`charge:${r.orderId}`);
  expect(charge).toMatchObject({
    kind: 'charge',
    amount_minor: '6002',
    result: { reference: processed.providerReference },
  });
  const { status, body } = await getJson(c.port, `/payments/${r.orderId}`);
  expect(status).toBe(200);
  expect(body).toMatchObject({
    orderId: r.orderId,
    paymentId: processed.paymentId,
    status: 'CHARGED',
    amountMinor: 6002,
    currency: 'GBP',
    providerReference: processed.providerReference,
    failureCode: null,
    refundedAt: null,
  });
});

it.each([
  ['tok_decline', 'DECLINED'],
  ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
])('a %s card fails the payment with %s', async (paymentMethodToken, reasonCode) => {
  const r = reserved({ paymentMethodToken });
  await tk.publish('inventory.reserved', r);
  const failed = await first('payment.failed', r.orderId);
  expect(failed).toMatchObject({
    reasonCode,
    amountMinor: r.order.totalMinor,
    currency: 'EUR',
    customer: r.order.customer,
  });
  expect(failed.message).not.toBe('');
  const { body } = await getJson(c.port, `/payments/${r.orderId}`);
  expect(body).toMatchObject({ status: 'FAILED', failureCode: reasonCode, providerReference: null });
  expect(await eventsOf('payment.processed', r.orderId)).toEqual([]);
});

it('retries an unavailable provider until it approves, charging once', async () => {
  const r = reserved({ paymentMethodToken: 'tok_transient' });
  await tk.publish('inventory.reserved', r);
  await first('payment.processed', r.orderId);
  const attempts = await sql.query(
    'SELECT attempts FROM payment.simulated_provider_attempts WHERE idempotency_key = $1',
    [`charge:${r.orderId}`],
  );
  expect(attempts.rows[0].attempts).toBe(3); // two failures, then the approval
  expect(await ledger(`charge:${r.orderId}`)).toHaveLength(1);
  await settled(r.metadata.eventId, r.orderId);
  expect(await eventsOf('payment.processed', r.orderId)).toHaveLength(1);
});

it('a redelivered inventory.reserved and a second one for the same order charge once and announce once', async () => {
  const r = reserved();
  const again = { ...r, metadata: { ...r.metadata, eventId: randomUUID() } };
  await tk.publish('inventory.reserved', r);
  await tk.publish('inventory.reserved', r); // same event id: redelivery
  await tk.publish('inventory.reserved', again); // new event id, same order
  await settled(again.metadata.eventId, r.orderId); // same key, same partition: the first two came before
  expect(await ledger(`charge:${r.orderId}`)).toHaveLength(1);
  expect(await eventsOf('payment.processed', r.orderId)).toHaveLength(1);
});

it('after a crash between charge and commit, the retry takes the provider’s first answer instead of charging again', async () => {
  const r = reserved();
  await sql.query(
    `INSERT INTO payment.simulated_provider_ledger (idempotency_key, kind, result, amount_minor, currency)
     VALUES ($1, 'charge', '{"status":"approved","reference":"sim_ch_before_crash"}', $2, 'EUR')`,
    [`charge:${r.orderId}`, r.order.totalMinor],
  );
  await tk.publish('inventory.reserved', r);
  expect((await first('payment.processed', r.orderId)).providerReference).toBe('sim_ch_before_crash');
  expect(await ledger(`charge:${r.orderId}`)).toHaveLength(1);
});

it('refunds a charged order once when fulfillment fails, however often it is told', async () => {
  const r = reserved({ lines: [aLine({ quantity: 2, unitPriceMinor: 4250 })] });
  await tk.publish('inventory.reserved', r);
  const processed = await first('payment.processed', r.orderId);
  const failure = fulfillmentFailed(r);
  await tk.publish('fulfillment.failed', failure);
  const refunded = await first('payment.refunded', r.orderId);
  expect(refunded).toMatchObject({
    paymentId: processed.paymentId,
    amountMinor: 8500,
    currency: 'EUR',
    reason: 'fulfillment.failed',
    customer: r.order.customer,
  });
  expect(refunded.metadata.causationId).toBe(failure.metadata.eventId);
  const { body } = await getJson(c.port, `/payments/${r.orderId}`);
  expect(body).toMatchObject({ status: 'REFUNDED', refundedAt: expect.any(String) });

  const second = fulfillmentFailed(r);
  await tk.publish('fulfillment.failed', second);
  await settled(second.metadata.eventId, r.orderId);
  expect(await ledger(`refund:${r.orderId}`)).toMatchObject([{ kind: 'refund', amount_minor: '8500' }]);
  expect(await eventsOf('payment.refunded', r.orderId)).toHaveLength(1);
});

it('refunds nothing for an order never charged or whose payment failed', async () => {
  const never = reserved();
  const declined = reserved({ paymentMethodToken: 'tok_decline' });
  await tk.publish('inventory.reserved', declined);
  await first('payment.failed', declined.orderId);
  for (const r of [never, declined]) {
    const f = fulfillmentFailed(r);
    await tk.publish('fulfillment.failed', f);
    await settled(f.metadata.eventId, r.orderId);
    expect(await eventsOf('payment.refunded', r.orderId)).toEqual([]);
    expect(await ledger(`refund:${r.orderId}`)).toEqual([]);
  }
  expect((await getJson(c.port, `/payments/${never.orderId}`)).status).toBe(404);
  expect((await getJson(c.port, `/payments/${declined.orderId}`)).body.status).toBe('FAILED');
});

it('dead-letters an order whose total cannot be charged, without touching the provider', async () => {
  const r = reserved({ totalMinor: 0 });
  await tk.publish('inventory.reserved', r);
  const dead = await waitFor(
    async () => (await tk.deadLetters('inventory.reserved')).find((m) => m.key === r.orderId),
    {
      description: 'dead letter',
    },
  );
  expect(dead.headers['dlq.error.code']).toBe('INVALID_AMOUNT');
  const text = await metricsText();
  expect(
    sample(text, 'orderflow_consumer_dead_lettered_total', { topic: `${c.prefix}inventory.reserved` }),
  ).toBeGreaterThanOrEqual(1);
  expect(await ledger(`charge:${r.orderId}`)).toEqual([]);
  expect((await getJson(c.port, `/payments/${r.orderId}`)).status).toBe(404);
});

it('answers an unknown order with a JSON 404', async () => {
  expect(await getJson(c.port, '/payments/nope')).toEqual({
    status: 404,
    body: { error: { code: 'NOT_FOUND', message: 'payment of order nope not found' } },
  });
});

const metricsText = async () => (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();

/** The value of one series in Prometheus text: the metric name and every given label must match. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
    if (has) return Number(m[3]);
  }
  return undefined;
}

it('counts payments per status in /metrics (refreshed in the background, not queried per scrape)', async () => {
  const charged = async () => sample(await metricsText(), 'orderflow_payments', { status: 'CHARGED' }) ?? 0;
  const r = reserved();
  await tk.publish('inventory.reserved', r);
  await first('payment.processed', r.orderId);
  const inDb = Number(
    (await sql.query(`SELECT count(*) AS n FROM payment.payments WHERE status = 'CHARGED'`)).rows[0].n,
  );
  await waitFor(async () => (await charged()) === inDb, { description: `orderflow_payments CHARGED = ${inDb}` });
});

it("serves prom-client's /metrics: handler time per event type, lag per partition, relay pickup and leadership", async () => {
  const r = reserved();
  await tk.publish('inventory.reserved', r);
  await settled(r.metadata.eventId, r.orderId);
  const consumed = `${c.prefix}inventory.reserved`;
  const published = `${c.prefix}payment.processed`;
  // Lag and backlog are refreshed in the background (each on its own query): wait until both show it all done.
  const text = await waitFor(
    async () => {
      const t = await metricsText();
      const lags = t.split('\n').filter((l) => l.startsWith('orderflow_consumer_lag{') && l.includes(`"${consumed}"`));
      const drained = sample(t, 'orderflow_outbox_pending') === 0;
      return lags.length > 0 && lags.every((l) => l.endsWith(' 0')) && drained && t;
    },
    { description: `consumer lag of ${consumed} and the outbox backlog at 0` },
  );
  expect(text).toContain('# TYPE orderflow_handler_duration_seconds histogram');
  const handled = { service: 'payment', event_type: 'inventory.reserved' };
  expect(sample(text, 'orderflow_handler_duration_seconds_count', handled)).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'orderflow_handler_duration_seconds_bucket', { ...handled, le: '+Inf' })).toBeGreaterThanOrEqual(
    1,
  );
  expect(sample(text, 'orderflow_consumer_processed_total', { topic: consumed })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'orderflow_outbox_published_total', { topic: published })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'orderflow_outbox_pickup_seconds_count')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'orderflow_relay_leader', { service: 'payment' })).toBe(1);
  expect(sample(text, 'orderflow_outbox_pending')).toBe(0);
  expect(sample(text, 'orderflow_outbox_oldest_pending_age_seconds')).toBe(0);
  expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
});

it('refunds a charge whose reservation expired (a late payment), once, telling the customer', async () => {
  const r = reserved({ totalMinor: 4200, lines: [aLine({ quantity: 1, unitPriceMinor: 4200 })] });
  await tk.publish('inventory.reserved', r);
  await first('payment.processed', r.orderId);
  const release = expired(r);
  await tk.publish('inventory.released', release);
  await tk.publish('inventory.released', release); // redelivered
  const refunded = await first('payment.refunded', r.orderId);
  expect(refunded).toMatchObject({ amountMinor: 4200, reason: 'inventory.released', customer: r.order.customer });
  expect(refunded.metadata.causationId).toBe(release.metadata.eventId);
  // fulfillment.failed RESERVATION_EXPIRED follows (fulfillment refuses the late payment): still one refund.
  const f = fulfillmentFailed(r);
  await tk.publish('fulfillment.failed', f);
  await settled(f.metadata.eventId, r.orderId);
  expect(await ledger(`refund:${r.orderId}`)).toHaveLength(1);
  expect(await eventsOf('payment.refunded', r.orderId)).toHaveLength(1);
});

it('never charges an order whose reservation expired before it was charged', async () => {
  const r = reserved();
  const release = expired(r);
  await tk.publish('inventory.released', release);
  await settled(release.metadata.eventId, r.orderId);
  await tk.publish('inventory.reserved', r);
  const failed = await first('payment.failed', r.orderId);
  expect(failed).toMatchObject({ reasonCode: 'RESERVATION_EXPIRED' });
  expect(await ledger(`charge:${r.orderId}`)).toEqual([]);
  expect(await eventsOf('payment.processed', r.orderId)).toEqual([]);
});

it('ignores releases for other reasons', async () => {
  const r = reserved();
  await tk.publish('inventory.reserved', r);
  await first('payment.processed', r.orderId);
  const release = { ...expired(r), reason: 'fulfillment.failed' };
  await tk.publish('inventory.released', release);
  await settled(release.metadata.eventId, r.orderId);
  expect(await eventsOf('payment.refunded', r.orderId)).toEqual([]);
});
