/**
 * Real infrastructure for the outbox component tests: a database of the test file's own, an outbox schema in it,
 * topics under a unique prefix, a connected producer, and a writer that commits events as a service would.
 */
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import {
  createKafka,
  EventProducer,
  KafkaAdmin,
  readTopic,
  type InboundMessage,
  type KafkaClient,
} from '@orderflow/messaging';
import { createTestDatabase, testEnv, uniquePrefix } from '@orderflow/testing';
import { appendToOutbox, outboxDdl, OutboxRelay, type OutboxRecord, type RelayOptions } from '@orderflow/outbox';

export interface Harness {
  url: string;
  pool: Pool;
  kafka: KafkaClient;
  producer: EventProducer;
  prefix: string;
  /** Creates a schema with the outbox and inbox tables. */
  schema(name: string): Promise<string>;
  /** Creates topics under the prefix (3 partitions each) and returns their full names. */
  topics(...names: string[]): Promise<string[]>;
  /** Creates one topic under the prefix with extra topic configs. */
  topicWith(name: string, config: Record<string, string>): Promise<string>;
  relay(schema: string, opts?: Partial<RelayOptions>): OutboxRelay;
  read(topic: string): Promise<InboundMessage[]>;
  close(): Promise<void>;
}

export async function createHarness(label: string): Promise<Harness> {
  const db = await createTestDatabase(label);
  const pool = new Pool({ connectionString: db.url, max: 20 });
  // pool.end() resolves before its clients' sockets are closed; the forced drop may still terminate one of them.
  pool.on('error', () => undefined);
  const prefix = uniquePrefix(label);
  const kafka = createKafka({ brokers: testEnv().brokers, clientId: `test-${prefix}` });
  const admin = new KafkaAdmin(kafka);
  const producer = new EventProducer(kafka);
  await Promise.all([admin.connect(), producer.connect()]);
  const relays: OutboxRelay[] = [];
  const created: string[] = [];
  return {
    url: db.url,
    pool,
    kafka,
    producer,
    prefix,
    async schema(name) {
      await pool.query(`CREATE SCHEMA ${name}`);
      await pool.query(outboxDdl(name));
      return name;
    },
    async topics(...names) {
      const full = names.map((n) => `${prefix}${n}`);
      await admin.ensureTopics(full.map((topic) => ({ topic, partitions: 3, retentionMs: -1 })));
      created.push(...full);
      return full;
    },
    async topicWith(name, config) {
      const topic = `${prefix}${name}`;
      await admin.ensureTopics([{ topic, partitions: 3, retentionMs: -1, config }]);
      created.push(topic);
      return topic;
    },
    relay(schema, opts = {}) {
      const r = new OutboxRelay({
        schema,
        pool,
        connectionString: db.url,
        producer,
        pollIntervalMs: 200,
        leaseRetryMs: 200,
        ...opts,
      });
      relays.push(r);
      return r;
    },
    read: (topic) => readTopic(kafka, topic),
    async close() {
      await Promise.all(relays.map((r) => r.stop()));
      await admin.deleteTopics(created).catch(() => undefined);
      await Promise.all([producer.disconnect(), admin.disconnect()]);
      await pool.end();
      await db.drop();
    },
  };
}

/** An outbox record for `key` on `topic`; the payload names the event so tests can read it back. */
export function anEvent(topic: string, key: string, eventId = randomUUID()): OutboxRecord {
  return {
    topic,
    key,
    payload: Buffer.from(JSON.stringify({ eventId, key })),
    headers: { 'ce-id': eventId },
    eventId,
    eventType: 'test.event',
  };
}

/** A logical clock for ordering writer events seen from the client side. */
let clock = 0;
const tick = () => ++clock;

export interface WriteResult {
  /** The outbox ids the transaction drew, in insertion order. */
  ids: number[];
  committed: boolean;
  /** Clock values just before COMMIT was sent and just after it returned: if a.committedAt < b.committingAt, a
   * certainly committed before b (overlapping intervals say nothing, as the server may answer late). */
  committingAt: number;
  committedAt: number;
}

/**
 * One writer transaction: BEGIN, append `records`, optionally wait for `hold()` (ids drawn, not committed), then
 * COMMIT (or ROLLBACK). Resolves after the transaction ended.
 */
export async function writeTx(
  pool: Pool,
  schema: string,
  records: OutboxRecord[],
  o: { hold?: () => Promise<unknown>; rollback?: boolean; onIds?: (ids: number[]) => void } = {},
): Promise<WriteResult> {
  const tx: PoolClient = await pool.connect();
  try {
    await tx.query('BEGIN');
    await appendToOutbox(tx, schema, records);
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM ${schema}.outbox WHERE event_id = ANY($1) ORDER BY id`,
      [records.map((r) => r.eventId)],
    );
    const ids = rows.map((r) => Number(r.id));
    o.onIds?.(ids);
    await o.hold?.();
    const committingAt = tick();
    await tx.query(o.rollback ? 'ROLLBACK' : 'COMMIT');
    return { ids, committed: !o.rollback, committingAt, committedAt: tick() };
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

/** Event ids of the records on a topic, from their payloads. */
export function eventIdsOf(records: InboundMessage[]): string[] {
  return records.map((r) => (JSON.parse(r.value!.toString('utf8')) as { eventId: string }).eventId);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
