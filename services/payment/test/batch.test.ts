/**
 * payment's consumed-batch path: many inventory.reserved in one fetch are charged in one provider call and recorded
 * in one statement. These tests check that a batch ends exactly as the same events handled one after another, that a
 * bad record among good ones is isolated, that the provider's answers survive a rolled-back batch, and that a
 * redelivered batch changes nothing.
 */
import type { InventoryReserved } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, waitFor } from '@orderflow/testing';
import { Client } from 'pg';
import { readConfig } from '../src/config';
import { createProvider } from '../src/provider';
import { payment, SERVICE_NAME } from '../src/service';
import { expired, reserved, withNewId } from './events';

let sql: Client;
const c = componentTest(
  SERVICE_NAME,
  async (env, self) => {
    const config = readConfig(env);
    const provider = createProvider(config);
    self.onTearDown(() => provider.close());
    sql = new Client({ connectionString: self.db.url });
    await sql.connect();
    self.onTearDown(() => sql.end());
    return runService(payment(config, provider));
  },
  // One partition: every batch published at once is consumed as one batch.
  { env: { SIM_TRANSIENT_FAILURES: '2' }, partitions: 1 },
);
const { tk } = c;

/** Every inventory.reserved consumed and committed, and everything it caused published. */
async function settled(): Promise<void> {
  const topic = tk.topic('inventory.reserved');
  await waitFor(async () => (await tk.admin.lag(`${c.prefix}${SERVICE_NAME}`, [topic]))[topic] === 0, {
    description: 'consumer lag 0',
  });
  await waitFor(
    async () => (await sql.query('SELECT 1 FROM payment.outbox WHERE published_at IS NULL LIMIT 1')).rowCount === 0,
    { description: 'outbox drained' },
  );
}

/** One order of a scenario: its inventory.reserved events (publishing order) and what happened to it before. */
interface Case {
  events: InventoryReserved[];
  before?: 'paid' | 'voided' | 'charged-before-crash' | 'key-used-for-another-amount';
}

/** The same mix of orders every time, with fresh order ids: every outcome, and orders that come twice. */
function mixedCases(): Case[] {
  const twiceNewId = reserved();
  const twiceSameId = reserved({ paymentMethodToken: 'tok_ok_visa' });
  const declinedTwice = reserved({ paymentMethodToken: 'tok_decline' });
  const voidedTwice = reserved();
  return [
    ...Array.from({ length: 8 }, (_, i) => ({ events: [reserved({ currency: i % 2 ? 'GBP' : 'EUR' })] })),
    ...Array.from({ length: 3 }, () => ({ events: [reserved({ paymentMethodToken: 'tok_decline' })] })),
    ...Array.from({ length: 2 }, () => ({ events: [reserved({ paymentMethodToken: 'tok_insufficient_funds' })] })),
    { events: [reserved({ paymentMethodToken: 'tok_unknown' })] },
    { events: [reserved()], before: 'voided' },
    { events: [voidedTwice, withNewId(voidedTwice)], before: 'voided' },
    { events: [reserved()], before: 'paid' },
    { events: [reserved()], before: 'charged-before-crash' },
    { events: [twiceNewId, withNewId(twiceNewId)] },
    { events: [twiceSameId, twiceSameId] },
    { events: [declinedTwice, withNewId(declinedTwice)] },
  ];
}

/** Sets up what each case says happened before (one event at a time), then returns the events of the batch. */
async function prepare(cases: Case[]): Promise<InventoryReserved[]> {
  for (const { events, before } of cases) {
    const r = events[0]!;
    if (before === 'voided') await tk.publish('inventory.released', expired(r));
    if (before === 'paid') await tk.publish('inventory.reserved', withNewId(r));
    if (before === 'charged-before-crash' || before === 'key-used-for-another-amount') {
      const amount = before === 'charged-before-crash' ? r.order.totalMinor : r.order.totalMinor + 1;
      await sql.query(
        `INSERT INTO payment.simulated_provider_ledger (idempotency_key, kind, result, amount_minor, currency)
         VALUES ($1, 'charge', $2::jsonb, $3, $4)`,
        [
          `charge:${r.orderId}`,
          JSON.stringify({ status: 'approved', reference: `sim_ch_${r.orderId}` }),
          amount,
          r.order.currency,
        ],
      );
    }
  }
  const released = cases.filter((k) => k.before === 'voided').map((k) => k.events[0]!.orderId);
  await waitFor(
    async () =>
      (await sql.query('SELECT 1 FROM payment.voided_orders WHERE order_id = ANY($1)', [released])).rowCount ===
      released.length,
    { description: 'voided orders recorded' },
  );
  await settled();
  // Each order's first events first, then the second ones: an order's two events are apart within the batch.
  const depth = Math.max(...cases.map((k) => k.events.length));
  return Array.from({ length: depth }, (_, i) => cases.flatMap((k) => (k.events[i] ? [k.events[i]] : []))).flat();
}

/**
 * What became of each case, without its ids: the events payment emitted for it (caused by which of its events, -1
 * for one from before), its payment row, the provider's ledger and attempts.
 */
async function outcomes(cases: Case[]) {
  const emitted = [...(await tk.events('payment.processed')), ...(await tk.events('payment.failed'))];
  const ids = cases.map((k) => k.events[0]!.orderId);
  const rows = async (q: string) => new Map((await sql.query(q, [ids])).rows.map((r) => [r.order_id as string, r]));
  const payments = await rows(
    `SELECT order_id, status, amount_minor, currency, failure_code, provider_reference, event_id
     FROM payment.payments WHERE order_id = ANY($1)`,
  );
  const ledger = await rows(
    `SELECT substr(idempotency_key, 8) AS order_id, count(*)::int AS n, min(result->>'reference') AS reference
     FROM payment.simulated_provider_ledger
     WHERE kind = 'charge' AND substr(idempotency_key, 8) = ANY($1) GROUP BY 1`,
  );
  return cases.map(({ events }) => {
    const orderId = events[0]!.orderId;
    const causeOf = (eventId: string) => events.findIndex((e) => e.metadata.eventId === eventId);
    const p = payments.get(orderId);
    const l = ledger.get(orderId);
    return {
      events: emitted
        .filter((e) => e.orderId === orderId)
        .map((e) => ({
          type: e.metadata.eventType,
          causedBy: causeOf(e.metadata.causationId!),
          amountMinor: e.amountMinor,
          reasonCode: 'reasonCode' in e ? e.reasonCode : null,
          referenceIsTheLedgers: 'providerReference' in e ? e.providerReference === l?.reference : null,
        })),
      payment: p && {
        status: p.status,
        amountMinor: Number(p.amount_minor),
        currency: p.currency,
        failureCode: p.failure_code,
        causedBy: causeOf(p.event_id),
      },
      ledgerEntries: l?.n ?? 0,
    };
  });
}

const metricsText = async () => (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();

/** How many times inventory.reserved was handled in `mode` (batch, or single records including the fallback). */
async function handled(mode: 'batch' | 'single'): Promise<number> {
  const line = (await metricsText())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('orderflow_handler_duration_seconds_count{') &&
        l.includes('event_type="inventory.reserved"') &&
        l.includes(`mode="${mode}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

let batchCases: Case[];
let batchEvents: InventoryReserved[];

it('charges a batch of many orders with mixed outcomes exactly as one event after another', async () => {
  // One after another: each event published alone and settled before the next.
  const oneByOne = mixedCases();
  for (const e of await prepare(oneByOne)) {
    await tk.publish('inventory.reserved', e);
    await settled();
  }
  // As one batch per partition, through the set-based handler alone (no record handled singly, no fallback).
  batchCases = mixedCases();
  batchEvents = await prepare(batchCases);
  const [batchesBefore, singlesBefore] = [await handled('batch'), await handled('single')];
  await tk.publishMany('inventory.reserved', batchEvents);
  await settled();
  expect(await handled('batch')).toBeGreaterThan(batchesBefore);
  expect(await handled('single')).toBe(singlesBefore);

  const expected = await outcomes(oneByOne);
  const actual = await outcomes(batchCases);
  expect(actual).toEqual(expected);
  // And what one after another means, spelled out for a few cases.
  const at = (i: number) => actual[i]!;
  expect(at(0)).toMatchObject({
    events: [{ type: 'payment.processed', causedBy: 0, referenceIsTheLedgers: true }],
    payment: { status: 'CHARGED', causedBy: 0 },
    ledgerEntries: 1,
  });
  expect(at(8)).toMatchObject({ events: [{ type: 'payment.failed', reasonCode: 'DECLINED' }], ledgerEntries: 1 });
  expect(at(14)).toMatchObject({
    events: [{ type: 'payment.failed', reasonCode: 'RESERVATION_EXPIRED' }],
    payment: { status: 'FAILED', failureCode: 'RESERVATION_EXPIRED' },
    ledgerEntries: 0,
  });
  expect(at(15)).toMatchObject({ events: [{ reasonCode: 'RESERVATION_EXPIRED', causedBy: 0 }], ledgerEntries: 0 });
  expect(at(16)).toMatchObject({ events: [{ type: 'payment.processed', causedBy: -1 }], ledgerEntries: 1 });
  expect(at(17)).toMatchObject({ events: [{ type: 'payment.processed', referenceIsTheLedgers: true }] });
  for (const i of [18, 19, 20]) expect(at(i).events).toHaveLength(1);
  expect(at(18).events[0]).toMatchObject({ causedBy: 0 });
  expect(at(20)).toMatchObject({ events: [{ reasonCode: 'DECLINED', causedBy: 0 }], ledgerEntries: 1 });
});

it('changes nothing when a whole batch is delivered again', async () => {
  const before = await outcomes(batchCases);
  const attempts = await sql.query('SELECT sum(attempts)::int AS n FROM payment.simulated_provider_attempts');
  await tk.publishMany('inventory.reserved', batchEvents);
  await settled();
  expect(await outcomes(batchCases)).toEqual(before);
  expect((await sql.query('SELECT sum(attempts)::int AS n FROM payment.simulated_provider_attempts')).rows).toEqual(
    attempts.rows,
  );
});

it('dead-letters only the bad records of a batch and charges every good one once', async () => {
  const good = Array.from({ length: 10 }, (_, i) => ({
    events: [reserved({ paymentMethodToken: i % 3 ? 'tok_approve' : 'tok_decline' })],
  }));
  const badAmount = reserved({ totalMinor: 0 });
  const reused: Case = { events: [reserved()], before: 'key-used-for-another-amount' };
  const events = await prepare([...good, reused]);
  const records = await Promise.all(
    [...events.slice(0, 4), badAmount, ...events.slice(4)].map(async (e) => ({
      topic: tk.topic('inventory.reserved'),
      key: e.orderId,
      value: await tk.codec.encode('inventory.reserved', e),
    })),
  );
  records.splice(7, 0, { topic: tk.topic('inventory.reserved'), key: 'undecodable', value: Buffer.from('not avro') });
  await tk.producer.send(records);
  await settled();

  const dead = await waitFor(
    async () => {
      const ours = (await tk.deadLetters('inventory.reserved')).filter((m) =>
        [badAmount.orderId, reused.events[0]!.orderId, 'undecodable'].includes(m.key ?? ''),
      );
      return ours.length === 3 && ours;
    },
    { description: 'three dead letters' },
  );
  expect(Object.fromEntries(dead.map((m) => [m.key, m.headers['dlq.error.code']]))).toMatchObject({
    [badAmount.orderId]: 'INVALID_AMOUNT',
    [reused.events[0]!.orderId]: 'IDEMPOTENCY_KEY_REUSED',
  });
  for (const o of await outcomes(good)) {
    expect(o.events).toHaveLength(1);
    expect(o.events[0]).toMatchObject({ causedBy: 0 });
    expect(o.ledgerEntries).toBe(1);
  }
  const attempts = await sql.query(
    `SELECT attempts FROM payment.simulated_provider_attempts WHERE idempotency_key = ANY($1)`,
    [good.map((k) => `charge:${k.events[0]!.orderId}`)],
  );
  expect(attempts.rows.map((r) => r.attempts)).toEqual(good.map(() => 1));
  for (const id of [badAmount.orderId, reused.events[0]!.orderId]) {
    expect((await getJson(c.port, `/payments/${id}`)).status).toBe(404);
  }
});

it('answers the retry of a rolled-back batch with the provider’s recorded results, charging each order once', async () => {
  // tok_transient fails the batch after the provider answered the others; the retry takes the records one by one.
  const cases: Case[] = [
    ...Array.from({ length: 6 }, () => ({ events: [reserved()] })),
    { events: [reserved({ paymentMethodToken: 'tok_transient' })] },
    ...Array.from({ length: 2 }, () => ({ events: [reserved({ paymentMethodToken: 'tok_decline' })] })),
  ];
  const events = await prepare(cases);
  const batchesBefore = await handled('batch');
  await tk.publishMany('inventory.reserved', events);
  await settled();
  expect(await handled('batch')).toBeGreaterThan(batchesBefore);
  const results = await outcomes(cases);
  for (const o of results) {
    expect(o.events).toHaveLength(1);
    expect(o.ledgerEntries).toBe(1);
  }
  expect(results.slice(0, 7).every((o) => o.events[0]!.referenceIsTheLedgers)).toBe(true);
  const attempts = await sql.query(
    `SELECT idempotency_key, attempts FROM payment.simulated_provider_attempts WHERE idempotency_key = ANY($1)`,
    [cases.map((k) => `charge:${k.events[0]!.orderId}`)],
  );
  const byKey = new Map(attempts.rows.map((r) => [r.idempotency_key as string, r.attempts as number]));
  expect(cases.map((k) => byKey.get(`charge:${k.events[0]!.orderId}`))).toEqual([1, 1, 1, 1, 1, 1, 3, 1, 1]);
});
