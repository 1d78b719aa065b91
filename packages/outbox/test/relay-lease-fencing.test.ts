/**
 * The lease row (lease.ts) behaves like the session lock it replaced: when the leader's session dies the standby takes
 * over within seconds, and a leader that lost the lease cannot mark rows (fencing) and steps down.
 */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testing';
import { anEvent, createHarness, eventIdsOf, writeTx, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('outbox_fence');
});
afterAll(() => h?.close());

const holder = async (schema: string) =>
  (await h.pool.query(`SELECT holder_pid, epoch FROM ${schema}.relay_lease WHERE name = 'outbox-relay'`)).rows[0] as
    { holder_pid: number | null; epoch: string } | undefined;

it("the standby takes over within seconds when the leader's session is killed", async () => {
  const schema = await h.schema('fence_kill');
  const [topic] = (await h.topics('fence-kill')) as [string];
  const a = h.relay(schema);
  const b = h.relay(schema);
  a.start();
  await waitFor(() => a.status().role === 'leader', { timeoutMs: 5000, description: 'a to lead' });
  b.start();
  await waitFor(
    async () =>
      (await h.pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [`${schema}-relay`]))
        .rowCount === 2,
    {
      timeoutMs: 5000,
      description: 'b to try the lease',
    },
  );
  expect(b.status().role).toBe('standby');
  const before = await holder(schema);
  // The leader's database session dies (a crash, a network cut the server noticed): no release, no clean stop.
  await h.pool.query('SELECT pg_terminate_backend($1)', [before!.holder_pid]);
  const killedAt = Date.now();
  await waitFor(() => b.status().role === 'leader' || (a.status().role === 'leader' && a.status().lastError), {
    timeoutMs: 5000,
    description: 'a new leader',
  });
  expect(Date.now() - killedAt).toBeLessThan(5000);
  const after = await holder(schema);
  expect(after!.holder_pid).not.toBe(before!.holder_pid);
  expect(Number(after!.epoch)).toBeGreaterThan(Number(before!.epoch));
  // Whoever leads now publishes.
  const e = anEvent(topic, `ord-${randomUUID()}`);
  await writeTx(h.pool, schema, [e]);
  await waitFor(async () => eventIdsOf(await h.read(topic)).includes(e.eventId), {
    timeoutMs: 10000,
    description: 'the event published by the new leader',
  });
  await a.stop();
  await b.stop();
});

it('a leader whose lease was taken cannot mark rows and steps down', async () => {
  const schema = await h.schema('fence_stale');
  const [topic] = (await h.topics('fence-stale')) as [string];
  const a = h.relay(schema, { pollIntervalMs: 100 });
  a.start();
  await waitFor(() => a.status().role === 'leader', { timeoutMs: 5000, description: 'a to lead' });
  // Someone else holds the lease now (an admin session standing in for a relay that took over).
  const other = await h.pool.connect();
  try {
    await other.query(
      `UPDATE ${schema}.relay_lease SET holder_pid = pg_backend_pid(),
         holder_started = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()), epoch = epoch + 1`,
    );
    const e = anEvent(topic, `ord-${randomUUID()}`);
    await writeTx(h.pool, schema, [e]);
    await waitFor(() => /lease lost/.test(a.status().lastError ?? ''), {
      timeoutMs: 5000,
      description: 'the stale leader to notice',
    });
    expect(a.status().role).toBe('standby');
    // Not moved out of the outbox by a relay that is not the leader.
    const r = await h.pool.query(`SELECT published_at FROM ${schema}.outbox WHERE event_id = $1`, [e.eventId]);
    expect(r.rows[0]?.published_at).toBeNull();
    const moved = await h.pool.query(`SELECT 1 FROM ${schema}.outbox_published WHERE event_id = $1`, [e.eventId]);
    expect(moved.rowCount).toBe(0);
  } finally {
    other.release(true); // ends that session: the lease is free again
  }
  // a takes the lease back and marks the row (published again: at-least-once, consumers deduplicate).
  await waitFor(async () => a.status().role === 'leader' && (await a.backlog()).pending === 0, {
    timeoutMs: 10000,
    description: 'a to lead again and drain the backlog',
  });
  await a.stop();
});
