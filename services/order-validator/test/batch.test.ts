/**
 * order-validator's consumed-batch path: many order.created in one fetch are decided with one insert. A batch must end
 * exactly as the same events handled one after another (a repeated order id, before or within the batch, is not a
 * new order); a bad record among good ones is isolated; a redelivered batch changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { OrderCreated } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { aLine, anAddress, anOrder, componentTest, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { orderValidator, SERVICE_NAME } from '../src/service';

let sql: Client;
const c = componentTest(
  SERVICE_NAME,
  async (env, self) => {
    sql = new Client({ connectionString: self.db.url });
    await sql.connect();
    self.onTearDown(() => sql.end());
    return runService(orderValidator(readConfig(env)));
  },
  { partitions: 1 }, // every batch published at once is consumed as one batch
);
const { tk } = c;

const withNewId = (e: OrderCreated): OrderCreated => ({ ...e, metadata: { ...e.metadata, eventId: randomUUID() } });

/** Every order.created consumed and committed, and every decision published. */
async function settled(): Promise<void> {
  const topic = tk.topic('order.created');
  await waitFor(async () => (await tk.admin.lag(`${c.prefix}${SERVICE_NAME}`, [topic]))[topic] === 0, {
    description: 'consumer lag 0',
  });
  await waitFor(
    async () =>
      (await sql.query('SELECT 1 FROM order_validator.outbox WHERE published_at IS NULL LIMIT 1')).rowCount === 0,
    { description: 'outbox drained' },
  );
}

/** One order id of a scenario: its order.created events in publishing order, and whether it was submitted before. */
interface Case {
  events: OrderCreated[];
  before?: 'submitted';
}

function mixedCases(): Case[] {
  const twice = anOrder();
  const twiceRejected = anOrder({ currency: 'XXX' });
  const thrice = anOrder();
  const twiceSameId = anOrder();
  const changedMind = anOrder();
  return [
    ...Array.from({ length: 8 }, () => ({ events: [anOrder({ lines: [aLine({ quantity: 2 })] })] })),
    { events: [anOrder({ lines: [aLine({ quantity: 0 })], totalMinor: 1 })] },
    { events: [anOrder({ shippingAddress: anAddress({ country: 'ZZ' }) })] },
    { events: [anOrder({ lines: [] })] },
    { events: [anOrder()], before: 'submitted' },
    { events: [twice, withNewId(twice)] },
    { events: [twiceRejected, withNewId(twiceRejected)] },
    { events: [thrice, withNewId(thrice), withNewId(thrice)] },
    { events: [twiceSameId, twiceSameId] },
    // The same order id again with other contents: still the first submission's decision.
    { events: [changedMind, { ...withNewId(changedMind), currency: 'XXX' }] },
  ];
}

const rounds = (cases: Case[]): OrderCreated[] =>
  Array.from({ length: Math.max(...cases.map((k) => k.events.length)) }, (_, i) =>
    cases.flatMap((k) => (k.events[i] ? [k.events[i]] : [])),
  ).flat();

async function submitBefore(cases: Case[]): Promise<void> {
  for (const k of cases) if (k.before === 'submitted') await tk.publish('order.created', withNewId(k.events[0]!));
  await settled();
}

/** What became of each order id, without its ids: the decisions announced (caused by which event), its row. */
async function outcomes(cases: Case[]) {
  const emitted = [...(await tk.events('order.validated')), ...(await tk.events('order.rejected'))];
  const ids = cases.map((k) => k.events[0]!.orderId);
  const rows = new Map(
    (
      await sql.query(
        `SELECT order_id, status, currency, reasons, event_id, duplicate_submissions FROM order_validator.orders
         WHERE order_id = ANY($1)`,
        [ids],
      )
    ).rows.map((r) => [r.order_id as string, r]),
  );
  return cases.map(({ events }) => {
    const orderId = events[0]!.orderId;
    const causeOf = (eventId: string | null | undefined) => events.findIndex((e) => e.metadata.eventId === eventId);
    const row = rows.get(orderId);
    return {
      events: emitted
        .filter((e) => e.orderId === orderId)
        .map((e) => ({
          type: e.metadata.eventType,
          causedBy: causeOf(e.metadata.causationId),
          reasons: 'reasons' in e ? e.reasons.map((r) => r.code) : null,
        })),
      row: row && {
        status: row.status,
        currency: row.currency,
        reasons: (row.reasons as { code: string }[]).map((r) => r.code),
        causedBy: causeOf(row.event_id),
        duplicateSubmissions: row.duplicate_submissions,
      },
    };
  });
}

async function handled(mode: 'batch' | 'single'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('orderflow_handler_duration_seconds_count{') &&
        l.includes('event_type="order.created"') &&
        l.includes(`mode="${mode}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

let batchCases: Case[];

it('decides a batch of many orders with mixed outcomes exactly as one event after another', async () => {
  const oneByOne = mixedCases();
  await submitBefore(oneByOne);
  for (const e of rounds(oneByOne)) {
    await tk.publish('order.created', e);
    await settled();
  }

  batchCases = mixedCases();
  await submitBefore(batchCases);
  const [batches, singles] = [await handled('batch'), await handled('single')];
  await tk.publishMany('order.created', rounds(batchCases));
  await settled();
  expect(await handled('batch')).toBeGreaterThan(batches);
  expect(await handled('single')).toBe(singles);

  const actual = await outcomes(batchCases);
  expect(actual).toEqual(await outcomes(oneByOne));
  // What one after another means, spelled out for a few cases.
  expect(actual[0]).toMatchObject({
    events: [{ type: 'order.validated', causedBy: 0 }],
    row: { status: 'VALIDATED', causedBy: 0, duplicateSubmissions: 0 },
  });
  expect(actual[8]).toMatchObject({
    events: [{ type: 'order.rejected', reasons: ['INVALID_QUANTITY', 'TOTAL_MISMATCH'] }],
  });
  expect(actual[11]).toMatchObject({ events: [{ causedBy: -1 }], row: { causedBy: -1, duplicateSubmissions: 1 } });
  expect(actual[12]).toMatchObject({ events: [{ causedBy: 0 }], row: { duplicateSubmissions: 1 } });
  expect(actual[13]).toMatchObject({
    events: [{ type: 'order.rejected', causedBy: 0 }],
    row: { duplicateSubmissions: 1 },
  });
  expect(actual[14]).toMatchObject({ events: [{ causedBy: 0 }], row: { duplicateSubmissions: 2 } });
  expect(actual[15]).toMatchObject({ events: [{ causedBy: 0 }], row: { duplicateSubmissions: 0 } });
  expect(actual[16]).toMatchObject({
    events: [{ type: 'order.validated', causedBy: 0 }],
    row: { status: 'VALIDATED', currency: 'EUR', duplicateSubmissions: 1 },
  });
});

it('changes nothing when a whole batch is delivered again', async () => {
  const before = await outcomes(batchCases);
  await tk.publishMany('order.created', rounds(batchCases));
  await settled();
  expect(await outcomes(batchCases)).toEqual(before);
});

it('dead-letters only an undecodable record of a batch and decides every good one once', async () => {
  const good: Case[] = Array.from({ length: 8 }, (_, i) => ({
    events: [i % 3 ? anOrder() : anOrder({ currency: 'XXX' })],
  }));
  const poisonKey = `ord-${randomUUID()}`;
  const records = await Promise.all(
    rounds(good).map(async (e) => ({
      topic: tk.topic('order.created'),
      key: e.orderId,
      value: await tk.codec.encode('order.created', e),
    })),
  );
  records.splice(4, 0, { topic: tk.topic('order.created'), key: poisonKey, value: Buffer.from('not an order') });
  await tk.producer.send(records);
  await settled();
  const dead = await waitFor(
    async () => {
      const ours = (await tk.deadLetters('order.created')).filter((m) => m.key === poisonKey);
      return ours.length > 0 && ours;
    },
    { description: 'dead letter' },
  );
  expect(dead).toHaveLength(1);
  for (const o of await outcomes(good)) {
    expect(o).toMatchObject({ events: [{ causedBy: 0 }], row: { causedBy: 0, duplicateSubmissions: 0 } });
  }
});
