/**
 * What a compromised service's database role can do, tried against the real PostgreSQL: nothing outside its own
 * schema. The bootstrap gives each role a SCRAM password of its own, takes CREATE on `public` away from PUBLIC (as
 * PostgreSQL 13/14 still grant it), and another role cannot take or block a service's relay lease.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { createKafka, EventProducer, KafkaAdmin, readTopic } from '@orderflow/messaging';
import { appendToOutbox, outboxDdl, OutboxRelay } from '@orderflow/outbox';
import { bootstrapServiceDatabase, migrate, roleOf, serviceDatabaseUrl, verifierMatches } from '@orderflow/service-kit';
import { createTestDatabase, rolePassword, testEnv, uniquePrefix, waitFor } from '@orderflow/testing';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const opened: { end(): Promise<unknown> }[] = [];

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  opened.push(c);
  return c;
}
const as = (schema: string) => connect(serviceDatabaseUrl(db.url, schema, rolePassword(schema).password));

beforeAll(async () => {
  db = await createTestDatabase('roles');
  const admin = await connect(db.url);
  // What PostgreSQL 13/14 do by default, so the test shows the bootstrap undoing it on any version.
  await admin.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
  for (const s of ['payment', 'inventory']) {
    await bootstrapServiceDatabase(db.url, s, rolePassword(s).password);
    await (await as(s)).query(outboxDdl(s));
  }
}, 60000);

afterAll(async () => {
  for (const c of opened.reverse()) await c.end().catch(() => undefined);
  await db?.drop();
});

const denied = expect.objectContaining({ code: '42501' }); // insufficient_privilege

describe('service roles', () => {
  it('each role has a SCRAM password of its own, the one its password file holds', async () => {
    const admin = await connect(db.url);
    const r = await admin.query<{ rolname: string; rolpassword: string }>(
      'SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1)',
      [[roleOf('payment'), roleOf('inventory')]],
    );
    const verifiers = new Map(r.rows.map((x) => [x.rolname, x.rolpassword]));
    for (const s of ['payment', 'inventory']) {
      expect(verifiers.get(roleOf(s))).toMatch(/^SCRAM-SHA-256\$/);
      expect(verifierMatches(verifiers.get(roleOf(s))!, rolePassword(s).password)).toBe(true);
      expect(verifierMatches(verifiers.get(roleOf(s))!, 'orderflow')).toBe(false);
    }
    expect(rolePassword('payment').password).not.toBe(rolePassword('inventory').password);
  });

  it('cannot create objects outside its schema', async () => {
    const payment = await as('payment');
    await expect(payment.query('CREATE TABLE public.planted (x int)')).rejects.toEqual(denied);
    await expect(
      payment.query(`CREATE FUNCTION public.pg_advisory_lock(bigint) RETURNS void LANGUAGE sql AS 'SELECT'`),
    ).rejects.toEqual(denied);
    await expect(payment.query('CREATE SCHEMA planted')).rejects.toEqual(denied);
    await expect(payment.query('CREATE TABLE inventory.planted (x int)')).rejects.toEqual(denied);
    // Its own schema is its own.
    await payment.query('CREATE TABLE payment.mine (x int)');
    const admin = await connect(db.url);
    const pub = await admin.query(`SELECT has_schema_privilege('public', 'public', 'CREATE') AS c`);
    expect(pub.rows[0].c).toBe(false);
  });

  it("cannot read or write another service's schema", async () => {
    const payment = await as('payment');
    await expect(payment.query('SELECT * FROM inventory.outbox')).rejects.toEqual(denied);
    await expect(payment.query('DELETE FROM inventory.inbox')).rejects.toEqual(denied);
    await expect(payment.query('UPDATE inventory.relay_lease SET holder_pid = pg_backend_pid()')).rejects.toEqual(
      denied,
    );
  });

  it("cannot take or block another service's relay lease", async () => {
    const prefix = uniquePrefix('roles');
    const topic = `${prefix}inventory.reserved`;
    const kafka = createKafka({ brokers: testEnv().brokers, clientId: `test-${prefix}` });
    const admin = new KafkaAdmin(kafka);
    const producer = new EventProducer(kafka);
    await Promise.all([admin.connect(), producer.connect()]);
    const inventoryUrl = serviceDatabaseUrl(db.url, 'inventory', rolePassword('inventory').password);
    const pool = new Pool({ connectionString: inventoryUrl, max: 2 });
    pool.on('error', () => undefined);
    const relay = new OutboxRelay({
      schema: 'inventory',
      pool,
      connectionString: inventoryUrl,
      producer,
      pollIntervalMs: 200,
      leaseRetryMs: 200,
    });
    const writer = await as('inventory');
    try {
      await admin.ensureTopics([{ topic, partitions: 1, retentionMs: -1 }]);
      // The attacker: payment's role, in a session of its own, tries everything it can before the relay starts.
      const attacker = await as('payment');
      await attacker.query('BEGIN');
      await expect(attacker.query('LOCK TABLE inventory.relay_lease IN ACCESS EXCLUSIVE MODE')).rejects.toEqual(denied);
      await attacker.query('ROLLBACK');
      await expect(attacker.query('SELECT * FROM inventory.relay_lease FOR UPDATE')).rejects.toEqual(denied);
      await expect(
        attacker.query(
          "INSERT INTO inventory.relay_lease (name, holder_pid) VALUES ('outbox-relay', pg_backend_pid())",
        ),
      ).rejects.toEqual(denied);
      // Advisory locks are open to every role: the attacker holds the key the relay's lease used to be.
      await attacker.query('SELECT pg_advisory_lock($1, $2)', [oldLeaseKey('outbox-relay'), oldLeaseKey('inventory')]);

      await appendToOutboxAs(writer, topic);
      relay.start();
      await waitFor(() => relay.status().role === 'leader', {
        timeoutMs: 10000,
        description: 'inventory relay to lead',
      });
      await waitFor(async () => (await readTopic(kafka, topic)).length === 1, {
        timeoutMs: 15000,
        description: 'the event published',
      });
    } finally {
      await relay.stop();
      await pool.end();
      await admin.deleteTopics([topic]).catch(() => undefined);
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    }
  });

  it('cannot keep another service from migrating (and so from starting)', async () => {
    const attacker = await as('payment');
    await attacker.query('BEGIN');
    await expect(attacker.query('LOCK TABLE inventory.migration_lock')).rejects.toEqual(
      expect.objectContaining({ code: expect.stringMatching(/^(42501|42P01)$/) }),
    );
    await attacker.query('ROLLBACK');
    // The advisory key migrations used to serialise on, held by the attacker: migrating does not wait for it.
    await attacker.query("SELECT pg_advisory_lock(hashtext('migrate:inventory'))");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    const url = serviceDatabaseUrl(db.url, 'inventory', rolePassword('inventory').password);
    await expect(migrate(url, 'inventory', dir)).resolves.toEqual([]);
    await attacker.query('BEGIN');
    await expect(attacker.query('LOCK TABLE inventory.migration_lock')).rejects.toEqual(denied);
    await attacker.query('ROLLBACK');
  }, 20000);
});

/** The advisory-lock key the relay's lease was before it moved into the service's schema. */
function oldLeaseKey(part: string): number {
  return createHash('sha1').update(part).digest().readInt32BE(0);
}

async function appendToOutboxAs(c: Client, topic: string): Promise<void> {
  await c.query('BEGIN');
  await appendToOutbox(c as never, 'inventory', [
    {
      topic,
      key: 'ord-1',
      payload: Buffer.from('x'),
      headers: {},
      eventId: 'e-1',
      eventType: 'inventory.reserved',
    },
  ]);
  await c.query('COMMIT');
}
