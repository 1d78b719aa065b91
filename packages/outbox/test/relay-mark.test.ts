/**
 * When a batch leaves the outbox: with the next round's select (one statement), after markDelayMs when nothing else
 * comes, or when the relay stops; and if the relay's session dies before that, the batch is published again and then
 * moved (at-least-once), never lost.
 */
import { waitFor } from '@orderflow/testing';
import { anEvent, createHarness, eventIdsOf, writeTx, type Harness } from './harness';

const A_MINUTE = 60_000;

let h: Harness;
beforeAll(async () => {
  h = await createHarness('outbox_mark');
});
afterAll(() => h?.close());

/** Where each event is: still in the outbox, moved to outbox_published, or neither. */
async function whereIs(schema: string, eventId: string): Promise<'outbox' | 'published' | 'gone'> {
  const r = await h.pool.query(
    `SELECT (SELECT count(*)::int FROM ${schema}.outbox WHERE event_id = $1) AS outbox,
            (SELECT count(*)::int FROM ${schema}.outbox_published WHERE event_id = $1) AS published`,
    [eventId],
  );
  const { outbox, published } = r.rows[0] as { outbox: number; published: number };
  if (outbox + published > 1) throw new Error(`event ${eventId} is in both tables`);
  return outbox ? 'outbox' : published ? 'published' : 'gone';
}

async function onKafka(topic: string, eventId: string): Promise<number> {
  return eventIdsOf(await h.read(topic)).filter((id) => id === eventId).length;
}

it("moves a batch with the next round's select, and the last one when the relay stops", async () => {
  const schema = await h.schema('mark_next');
  const [topic] = (await h.topics('mark-next')) as [string];
  // Neither the poll nor the mark delay can fire during the test: only the next round or stop() can move a row.
  const relay = h.relay(schema, { pollIntervalMs: A_MINUTE, markDelayMs: A_MINUTE });
  relay.start();
  await waitFor(() => relay.status().role === 'leader', { timeoutMs: 5000, description: 'relay to lead' });

  const a = anEvent(topic, 'ord-mark-a');
  await writeTx(h.pool, schema, [a]);
  await waitFor(async () => (await onKafka(topic, a.eventId)) === 1, { description: 'a on Kafka' });
  expect(relay.status().published).toBe(1);
  expect(await whereIs(schema, a.eventId)).toBe('outbox'); // acknowledged, waiting for the next round

  const b = anEvent(topic, 'ord-mark-b');
  await writeTx(h.pool, schema, [b]);
  await waitFor(async () => (await onKafka(topic, b.eventId)) === 1, { description: 'b on Kafka' });
  // The round that selected b moved a in the same statement.
  await waitFor(async () => (await whereIs(schema, a.eventId)) === 'published', { description: 'a moved' });
  expect(await whereIs(schema, b.eventId)).toBe('outbox');
  expect((await relay.backlog()).pending).toBe(1); // b, until a round or stop() moves it

  await relay.stop();
  expect(await whereIs(schema, b.eventId)).toBe('published');
  expect((await relay.backlog()).pending).toBe(0);
  // Each published once: nothing was selected twice while its mark waited.
  expect(eventIdsOf(await h.read(topic))).toEqual([a.eventId, b.eventId]);
});

it('moves the last batch on its own once the mark delay passes with nothing new', async () => {
  const schema = await h.schema('mark_idle');
  const [topic] = (await h.topics('mark-idle')) as [string];
  const relay = h.relay(schema, { pollIntervalMs: A_MINUTE, markDelayMs: 200 });
  relay.start();
  await waitFor(() => relay.status().role === 'leader', { timeoutMs: 5000, description: 'relay to lead' });

  const e = anEvent(topic, 'ord-mark-idle');
  await writeTx(h.pool, schema, [e]);
  // Well within the minute's poll: only the mark delay explains it.
  await waitFor(async () => (await whereIs(schema, e.eventId)) === 'published', {
    timeoutMs: 10_000,
    description: 'the row moved after the mark delay',
  });
  expect((await relay.backlog()).pending).toBe(0);
  expect(await onKafka(topic, e.eventId)).toBe(1);
  await relay.stop();
});

it('publishes again and then moves a batch whose session died before its mark (at-least-once, nothing lost)', async () => {
  const schema = await h.schema('mark_crash');
  const [topic] = (await h.topics('mark-crash')) as [string];
  const relay = h.relay(schema, { pollIntervalMs: 200, markDelayMs: A_MINUTE });
  relay.start();
  await waitFor(() => relay.status().role === 'leader', { timeoutMs: 5000, description: 'relay to lead' });

  const e = anEvent(topic, 'ord-mark-crash');
  await writeTx(h.pool, schema, [e]);
  await waitFor(async () => (await onKafka(topic, e.eventId)) === 1, { description: 'the event on Kafka' });
  // Its mark waits for the next round (the delay is a minute and nothing new comes): kill the session meanwhile.
  expect(await whereIs(schema, e.eventId)).toBe('outbox');
  const killed = await h.pool.query(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`,
    [`${schema}-relay`],
  );
  expect(killed.rows).toEqual([{ ok: true }]);

  // The relay leads again on a new session and publishes the row again (the mark was lost with the session).
  await waitFor(async () => (await onKafka(topic, e.eventId)) === 2, {
    timeoutMs: 15_000,
    description: 'the event published again',
  });
  expect(relay.status().lastError).toBeDefined();
  expect(await whereIs(schema, e.eventId)).toBe('outbox');
  // The next round moves it.
  const f = anEvent(topic, 'ord-mark-crash-next');
  await writeTx(h.pool, schema, [f]);
  await waitFor(async () => (await whereIs(schema, e.eventId)) === 'published', { description: 'the row moved' });
  await relay.stop();
  expect(await whereIs(schema, f.eventId)).toBe('published');
  // Nothing lost, and the only duplicate is the redelivery consumers deduplicate on the event id.
  expect(eventIdsOf(await h.read(topic)).sort()).toEqual([e.eventId, e.eventId, f.eventId].sort());
});
