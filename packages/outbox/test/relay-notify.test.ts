/**
 * LISTEN/NOTIFY, not polling, is what wakes the relay: with a one-minute poll interval, committed rows are still
 * published within seconds, including a row whose NOTIFY arrives while the relay is busy publishing.
 */
import { EventProducer, type OutboundMessage } from '@orderflow/messaging';
import { waitFor } from '@orderflow/testing';
import { Client } from 'pg';
import { notifyChannel, type OutboxRelay } from '@orderflow/outbox';
import { anEvent, createHarness, eventIdsOf, writeTx, type Harness } from './harness';

const POLL_MS = 60_000;
const PROMPT_MS = 5_000; // well below the poll interval: only a NOTIFY can explain publishing this fast

let h: Harness;
beforeAll(async () => {
  h = await createHarness('outbox_notify');
});
afterAll(() => h?.close());

/** The real producer, with a gate in front of each send so the test can hold the relay mid-publish. */
class GatedProducer extends EventProducer {
  sending = 0;
  gate: Promise<void> | undefined;

  override async send(messages: readonly OutboundMessage[]): Promise<void> {
    this.sending += 1;
    await this.gate;
    await super.send(messages);
  }
}

async function publishedCount(schema: string, eventIds: string[]): Promise<number> {
  const r = await h.pool.query(`SELECT count(*)::int AS n FROM ${schema}.outbox_published WHERE event_id = ANY($1)`, [
    eventIds,
  ]);
  return r.rows[0].n;
}

async function startIdleLeader(relay: OutboxRelay): Promise<void> {
  relay.start();
  await waitFor(() => relay.status().role === 'leader', { timeoutMs: 5000, description: 'relay to lead' });
}

describe('relay wake-up by NOTIFY', () => {
  it('publishes a committed row promptly although the poll interval is a minute', async () => {
    const schema = await h.schema('notify_a');
    const [topic] = (await h.topics('notify-a')) as [string];
    const relay = h.relay(schema, { pollIntervalMs: POLL_MS });
    await startIdleLeader(relay);

    for (let round = 0; round < 3; round++) {
      const e = anEvent(topic, 'ord-notify');
      const started = Date.now();
      await writeTx(h.pool, schema, [e]);
      await waitFor(async () => (await publishedCount(schema, [e.eventId])) === 1, {
        timeoutMs: PROMPT_MS,
        intervalMs: 20,
        description: `row of round ${round} to be published after its NOTIFY`,
      });
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    }
    expect(eventIdsOf(await h.read(topic))).toHaveLength(3);
    await relay.stop();
  });

  it('does not lose a NOTIFY that arrives while the relay is publishing', async () => {
    const schema = await h.schema('notify_b');
    const [topic] = (await h.topics('notify-b')) as [string];
    const producer = new GatedProducer(h.kafka);
    await producer.connect();
    const listener = new Client({ connectionString: h.url });
    await listener.connect();
    let notified = 0;
    listener.on('notification', () => (notified += 1));
    try {
      await listener.query(`LISTEN ${notifyChannel(schema)}`);
      const relay = h.relay(schema, { pollIntervalMs: POLL_MS, producer });
      await startIdleLeader(relay);

      let open!: () => void;
      producer.gate = new Promise<void>((resolve) => (open = resolve));
      const first = anEvent(topic, 'ord-busy');
      await writeTx(h.pool, schema, [first]);
      // The relay woke up and is now inside send(), holding `first`; a second commit notifies right now.
      await waitFor(() => producer.sending === 1, { timeoutMs: PROMPT_MS, description: 'relay to start publishing' });
      const second = anEvent(topic, 'ord-busy');
      await writeTx(h.pool, schema, [second]);
      // Make sure the second NOTIFY has been delivered (to our own listener, as to the relay's session) before the
      // relay may finish the batch.
      await waitFor(() => notified >= 2, { timeoutMs: PROMPT_MS, description: 'our listener to see both NOTIFYs' });
      open();

      await waitFor(async () => (await publishedCount(schema, [first.eventId, second.eventId])) === 2, {
        timeoutMs: PROMPT_MS,
        intervalMs: 20,
        description: 'the row committed during a publish to be published without waiting for the poll',
      });
      expect(eventIdsOf(await h.read(topic))).toEqual([first.eventId, second.eventId]);
      await relay.stop();
    } finally {
      await listener.end();
      await producer.disconnect();
    }
  });
});
