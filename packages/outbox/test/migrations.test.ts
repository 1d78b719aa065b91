/**
 * The outbox's numbered migrations on a schema that already has rows: a relay of an earlier version marked its
 * published rows in place; step 5 moves them into outbox_published (identity and publication time kept) and leaves
 * the unpublished and parked ones where the relay finds them. A second run applies nothing.
 */
import { Client } from 'pg';
import { migrateOutbox, OUTBOX_MIGRATIONS } from '@orderflow/outbox';
import { createTestDatabase } from '@orderflow/testing';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Client;

beforeAll(async () => {
  db = await createTestDatabase('outbox_migrations');
  c = new Client({ connectionString: db.url });
  await c.connect();
});
afterAll(async () => {
  await c?.end();
  await db?.drop();
});

it('moves rows published in place by an earlier relay out of the outbox, and keeps the others', async () => {
  await c.query('CREATE SCHEMA old_relay');
  for (const m of OUTBOX_MIGRATIONS.filter((m) => m.version < 5)) await c.query(m.sql('old_relay'));
  const row = (id: number, extra: string) =>
    `(${id}, 'orders.t', 'k${id}', '\\x00', '{}', 'e${id}', 'order.created', '2026-12-01T10:00:00Z', ${extra})`;
  await c.query(
    `INSERT INTO old_relay.outbox (id, topic, message_key, payload, headers, event_id, event_type, created_at,
                                   published_at, parked_at)
     VALUES ${row(1, "'2026-12-01T10:00:01Z', NULL")}, ${row(2, 'NULL, NULL')},
            ${row(3, "'2026-12-01T10:00:03Z', NULL")}, ${row(4, "NULL, '2026-12-01T10:00:04Z'")}`,
  );

  expect(await migrateOutbox(c, 'old_relay')).toEqual(OUTBOX_MIGRATIONS.map((m) => m.version));

  const left = await c.query(`SELECT event_id FROM old_relay.outbox ORDER BY id`);
  expect(left.rows.map((r) => r.event_id)).toEqual(['e2', 'e4']);
  const moved = await c.query(
    `SELECT id::int, event_id, event_type, topic, message_key, created_at, published_at
     FROM old_relay.outbox_published ORDER BY id`,
  );
  expect(moved.rows).toEqual([
    {
      id: 1,
      event_id: 'e1',
      event_type: 'order.created',
      topic: 'orders.t',
      message_key: 'k1',
      created_at: new Date('2026-12-01T10:00:00Z'),
      published_at: new Date('2026-12-01T10:00:01Z'),
    },
    {
      id: 3,
      event_id: 'e3',
      event_type: 'order.created',
      topic: 'orders.t',
      message_key: 'k3',
      created_at: new Date('2026-12-01T10:00:00Z'),
      published_at: new Date('2026-12-01T10:00:03Z'),
    },
  ]);
  expect(await migrateOutbox(c, 'old_relay')).toEqual([]);
});
