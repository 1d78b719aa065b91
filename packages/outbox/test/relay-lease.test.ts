/**
 * The relay's lease: of two instances on one schema only one publishes; when it stops cleanly the standby takes
 * over and carries on, and no record is published twice across the handover. stop() finishes the in-flight batch.
 */
import { randomUUID } from 'node:crypto';
import { EventProducer, type OutboundMessage } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { anEvent, createHarness, delay, eventIdsOf, writeTx, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('outbox_lease');
});
afterAll(() => h?.close());

/** Relay sessions of `schema` connected to the database, and how many of them the lease row names as holder. */
async function sessions(schema: string): Promise<{ connected: number; holdingLock: number }> {
  const r = await h.pool.query(
    `SELECT count(*)::int AS connected,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${schema}.relay_lease l
                                           WHERE l.holder_pid = a.pid AND l.holder_started = a.backend_start))::int AS holding
     FROM pg_stat_activity a WHERE a.application_name = $1`,
    [`${schema}-relay`],
  );
  return { connected: r.rows[0].connected, holdingLock: r.rows[0].holding };
}

describe('relay leader lease', () => {
  it('has one leader; the standby takes over when it stops, without publishing anything twice', async () => {
    const schema = await h.schema('lease_a');
    const [topic] = (await h.topics('lease')) as [string];
    const a = h.relay(schema, { batchSize: 5 });
    const b = h.relay(schema, { batchSize: 5 });
    a.start();
    await waitFor(() => a.status().role === 'leader', { timeoutMs: 5000, description: 'first relay to lead' });
    b.start();
    // Both sessions are connected (b has tried the lease), and exactly one holds it.
    await waitFor(async () => (await sessions(schema)).connected === 2, {
      timeoutMs: 5000,
      description: 'both relay sessions',
    });
    expect(await sessions(schema)).toEqual({ connected: 2, holdingLock: 1 });
    expect([a.status().role, b.status().role]).toEqual(['leader', 'standby']);

    // Writers keep committing through the whole handover.
    const written: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const records = [anEvent(topic, `ord-${i % 4}`), anEvent(topic, `ord-${i % 4}`)];
        await writeTx(h.pool, schema, records);
        written.push(...records.map((r) => r.eventId));
        await delay(15); // pacing of the load generator, not an assertion
      }
    })();

    await waitFor(() => a.status().published >= 20, { timeoutMs: 10000, description: 'leader to publish' });
    expect(b.status().published).toBe(0);
    expect(b.status().role).toBe('standby');

    await a.stop();
    expect(a.status().role).toBe('stopped');
    await waitFor(() => b.status().role === 'leader', { timeoutMs: 5000, description: 'standby to take over' });
    await waitFor(() => b.status().published >= 20, { timeoutMs: 10000, description: 'new leader to publish' });
    writing = false;
    await writer;

    await waitFor(async () => (await b.backlog()).pending === 0, { timeoutMs: 10000, description: 'backlog to drain' });
    const onKafka = eventIdsOf(await h.read(topic));
    expect(onKafka).toHaveLength(written.length);
    expect(new Set(onKafka).size).toBe(written.length);
    expect(new Set(onKafka)).toEqual(new Set(written));
    const total = () => a.status().published + b.status().published;
    await waitFor(() => total() >= written.length, { description: 'the relays to count their batches' });
    expect(total()).toBe(written.length);
    expect(await sessions(schema)).toEqual({ connected: 1, holdingLock: 1 });
    await b.stop();
    await waitFor(async () => (await sessions(schema)).connected === 0, {
      timeoutMs: 5000,
      description: 'lease released',
    });
  });

  it('stop() during a publish finishes and marks the batch, promptly, and releases the lease', async () => {
    const schema = await h.schema('lease_b');
    const [topic] = (await h.topics('lease-stop')) as [string];
    let open!: () => void;
    let sending = 0;
    const gate = new Promise<void>((resolve) => (open = resolve));
    class GatedProducer extends EventProducer {
      override async send(messages: readonly OutboundMessage[]): Promise<void> {
        sending += 1;
        await gate;
        await super.send(messages);
      }
    }
    const producer = new GatedProducer(h.kafka);
    await producer.connect();
    try {
      const relay = h.relay(schema, { producer, pollIntervalMs: 60_000 });
      const e = anEvent(topic, `ord-${randomUUID()}`);
      await writeTx(h.pool, schema, [e]);
      relay.start();
      await waitFor(() => sending === 1, { timeoutMs: 5000, description: 'relay to be mid-publish' });
      const stopped = relay.stop();
      open();
      const started = Date.now();
      await stopped;
      expect(Date.now() - started).toBeLessThan(5000); // not a poll interval (60 s)
      const r = await h.pool.query(`SELECT published_at FROM ${schema}.outbox_published WHERE event_id = $1`, [
        e.eventId,
      ]);
      expect(r.rows[0]?.published_at).toBeInstanceOf(Date);
      expect(eventIdsOf(await h.read(topic))).toEqual([e.eventId]);
      await waitFor(async () => (await sessions(schema)).connected === 0, {
        timeoutMs: 5000,
        description: 'lease released',
      });
    } finally {
      await producer.disconnect();
    }
  });
});
