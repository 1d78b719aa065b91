/**
 * appendToOutbox against a real PostgreSQL: what is stored is what was appended, byte for byte, in the order given.
 * The payloads go to the server as one binary parameter cut by offset and length, and the headers as one JSON
 * document; these tests fail if a payload is cut one byte off, if records trade places, or if a header's quotes,
 * backslashes or non-ASCII characters are changed on the way.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createTestDatabase } from '@orderflow/testing';
import { appendToOutbox, outboxDdl, withTransaction, type OutboxRecord } from '@orderflow/outbox';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;
const SCHEMA = 'append_test';

beforeAll(async () => {
  db = await createTestDatabase('outbox_append');
  pool = new Pool({ connectionString: db.url, max: 2 });
  await pool.query(`CREATE SCHEMA ${SCHEMA}`);
  await pool.query(outboxDdl(SCHEMA));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(() => pool.query(`TRUNCATE ${SCHEMA}.outbox`));

/** Bytes that text forms would have to escape (NUL, backslash, quotes, braces, commas), and every other byte. */
function payload(size: number): Buffer {
  const b = randomBytes(size);
  const awkward = [0x00, 0x5c, 0x22, 0x27, 0x7b, 0x7d, 0x2c, 0xff];
  for (let i = 0; i < size; i += 7) b[i] = awkward[(i / 7) % awkward.length]!;
  return b;
}

function record(size: number, extra: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    topic: 'orders.order.created',
    key: randomUUID(),
    payload: payload(size),
    headers: { ce_id: randomUUID(), ce_type: 'order.created', 'content-type': 'application/avro' },
    eventId: randomUUID(),
    eventType: 'order.created',
    ...extra,
  };
}

async function stored() {
  const r = await pool.query(
    `SELECT topic, message_key, payload, headers, event_id, event_type FROM ${SCHEMA}.outbox ORDER BY id`,
  );
  return r.rows.map((row) => ({
    topic: row.topic as string,
    key: row.message_key as string | null,
    payload: (row.payload as Buffer).toString('hex'),
    headers: row.headers as Record<string, string>,
    eventId: row.event_id as string,
    eventType: row.event_type as string,
  }));
}

const expected = (records: OutboxRecord[]) => records.map((r) => ({ ...r, payload: r.payload.toString('hex') }));

it('stores every record as appended, payloads of every size among others, in the order given', async () => {
  const records = [
    record(0),
    record(1),
    record(335),
    record(0),
    record(70_000, { key: null }),
    record(3, { key: 'ordér-注文-🧾' }),
    record(4096),
    record(0),
  ];
  await withTransaction(pool, (tx) => appendToOutbox(tx, SCHEMA, records, { notify: false }));
  expect(await stored()).toEqual(expected(records));
});

it('stores one record alone, an empty payload alone, and a batch after them on the same prepared statement', async () => {
  const one = [record(335)];
  const empty = [record(0)];
  const batch = Array.from({ length: 50 }, (_, i) => record(i * 13));
  for (const records of [one, empty, batch])
    await withTransaction(pool, (tx) => appendToOutbox(tx, SCHEMA, records, { notify: false }));
  expect(await stored()).toEqual(expected([...one, ...empty, ...batch]));
});

it('keeps headers exactly: quotes, backslashes, braces, commas, control and non-ASCII characters, empty values', async () => {
  const headers: Record<string, string>[] = [
    { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', ce_source: 'a"b\\c' },
    { ce_subject: '{"nested": [1, 2]}', ce_id: 'x,y}{', empty: '' },
    { ce_source: 'line\nbreak\ttab\u0001', ce_subject: 'ordér 注文 🧾', 'key with "quotes"': '\\"' },
  ];
  const records = headers.map((h) => record(10, { headers: h }));
  await withTransaction(pool, (tx) => appendToOutbox(tx, SCHEMA, records, { notify: false }));
  expect(await stored()).toEqual(expected(records));
});

it('appends nothing of a transaction that rolls back', async () => {
  await expect(
    withTransaction(pool, async (tx) => {
      await appendToOutbox(tx, SCHEMA, [record(20), record(30)], { notify: false });
      await tx.query('SELECT 1/0');
    }),
  ).rejects.toMatchObject({ code: '22012' });
  expect(await stored()).toEqual([]);
});
