/**
 * The consumed-batch path (one statement records every notification of a batch) against the record-at-a-time path,
 * with the real broker, PostgreSQL and an SMTP server on loopback:
 *  - a batch of many events with mixed outcomes (deliverable, an address that cannot receive mail, a mailbox refused
 *    for good, one order twice, one event twice) ends exactly as the same events handled one by one: the same
 *    records, the same mails, the same events, each caused by its own consumed event;
 *  - the same batch delivered again changes nothing;
 *  - an undecodable record among good ones is dead-lettered alone; every good one is handled exactly once.
 */
import type { EventMetadata, NotificationFailed, NotificationSent } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, startSmtpSink, waitFor, type SmtpSink } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { notificationIdFor } from '../src/domain/notification';
import { createMailer } from '../src/mailer';
import { notification } from '../src/service';
import { anOrderFulfilled, aPaymentRefunded, mailsTo } from './support';

let sink: SmtpSink | undefined;
const c = componentTest('notification', async (env, self) => {
  if (!sink) {
    const s = (sink = await startSmtpSink());
    self.onTearDown(() => s.close());
  }
  const config = readConfig({ ...env, SMTP_PORT: String(sink.port) });
  const mailer = createMailer(config);
  self.onTearDown(() => mailer.close());
  return runService(notification(config, mailer));
});
const { tk } = c;
const smtp = () => sink!;

type Kind = 'good' | 'undeliverable' | 'refused';
type Triggering = (ReturnType<typeof anOrderFulfilled> | ReturnType<typeof aPaymentRefunded>) & {
  metadata: EventMetadata;
};

/** Addresses the SMTP sink refuses for good (550). */
const REFUSED = /^refused-/;

function anEvent(type: 'order.fulfilled' | 'payment.refunded', kind: Kind): Triggering {
  const e = type === 'order.fulfilled' ? anOrderFulfilled() : aPaymentRefunded();
  const email =
    kind === 'undeliverable' ? 'not an address' : kind === 'refused' ? `refused-${e.customer.email}` : e.customer.email;
  return { ...e, customer: { ...e.customer, email } };
}

/** A second event of the same order (a new event id): one more notification, as for any other event. */
function again(type: 'order.fulfilled' | 'payment.refunded', e: Triggering): Triggering {
  const copy = anEvent(type, 'good');
  return {
    ...copy,
    orderId: e.orderId,
    customer: e.customer,
    metadata: { ...copy.metadata, correlationId: e.orderId },
  };
}

/** A mix of outcomes; the list to publish includes one order twice and one event twice (the same id). */
function aMix(type: 'order.fulfilled' | 'payment.refunded') {
  const kinds: Kind[] = [
    ...Array<Kind>(12).fill('good'),
    ...Array<Kind>(4).fill('undeliverable'),
    ...Array<Kind>(3).fill('refused'),
  ];
  const events = kinds.map((_, i) => anEvent(type, kinds[(i * 5) % kinds.length]!)); // interleaved
  const twice = type === 'order.fulfilled' ? again(type, events[0]!) : undefined;
  const published = [...events.slice(0, 7), ...(twice ? [twice] : []), events[1]!, events[3]!, ...events.slice(7)];
  return { type, events: twice ? [...events, twice] : events, published };
}

/** Every notification event on Kafka, by the consumed event that caused it (both topics read once). */
async function announced(): Promise<Map<string, (NotificationSent | NotificationFailed)[]>> {
  const all = [...(await tk.events('notification.sent')), ...(await tk.events('notification.failed'))];
  const by = new Map<string, (NotificationSent | NotificationFailed)[]>();
  for (const e of all) by.set(e.metadata.causationId ?? '', [...(by.get(e.metadata.causationId ?? '') ?? []), e]);
  return by;
}

/** What a user can check of each triggering event: its record, its mails and the events it caused. */
async function outcomesOf(events: readonly Triggering[]) {
  const by = await announced();
  return Promise.all(
    events.map(async (e) => {
      const notificationId = notificationIdFor(e.metadata.eventId);
      const history = (await getJson(c.port, `/notifications?orderId=${encodeURIComponent(e.orderId)}`)).body
        .notifications as { notificationId: string; status: string; attempts: number; failure?: { code: string } }[];
      const record = history.find((n) => n.notificationId === notificationId);
      return {
        status: record?.status,
        attempts: record?.attempts,
        failure: record?.failure?.code,
        mails: smtp().mails.filter((m) => m.headers['message-id'] === `<${notificationId}@orderflow.local>`).length,
        events: (by.get(e.metadata.eventId) ?? []).map((x) => {
          // Each event names the notification of its own cause and carries that order's journey.
          expect(x).toMatchObject({ notificationId, metadata: { correlationId: e.orderId } });
          return 'sentAt' in x ? 'notification.sent' : `notification.failed ${x.reasonCode}`;
        }),
      };
    }),
  );
}

const settled = async (events: readonly Triggering[]) => {
  const by = await announced();
  return events.every((e) => by.has(e.metadata.eventId));
};

const recorded = async (e: Triggering) =>
  (
    (await getJson(c.port, `/notifications?orderId=${encodeURIComponent(e.orderId)}`)).body.notifications as {
      notificationId: string;
    }[]
  ).some((n) => n.notificationId === notificationIdFor(e.metadata.eventId));

/** How many batches of a type went through the batch path (the handler-time histogram counts them). */
async function batchesOf(type: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('orderflow_handler_duration_seconds_count{') && l.includes(`event_type="${type}",mode="batch"}`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(() => {
  smtp().policy = (a) => (REFUSED.test(a) ? { code: 550, message: 'no such user' } : undefined);
});

const mixes = [aMix('order.fulfilled'), aMix('payment.refunded')];

it('a batch of many events with mixed outcomes ends exactly as the same events handled one by one', async () => {
  for (const m of mixes) await tk.publishMany(m.type, m.published); // one request each: batches per partition
  const batched = mixes.flatMap((m) => m.events);
  await waitFor(async () => (await Promise.all(batched.map(recorded))).every(Boolean), { description: 'recorded' });
  for (const m of mixes) expect(await batchesOf(m.type)).toBeGreaterThan(0);

  // The same mixes again (fresh ids), each record on its own: published only once the previous one is recorded.
  const single = [aMix('order.fulfilled'), aMix('payment.refunded')];
  for (const m of single)
    for (const e of m.published) {
      await tk.publish(m.type, e);
      await waitFor(() => recorded(e), { description: 'recorded' });
    }
  const oneByOne = single.flatMap((m) => m.events);

  await waitFor(async () => (await settled(batched)) && settled(oneByOne), {
    timeoutMs: 30000,
    description: 'an event caused by every triggering event',
  });
  await new Promise((r) => setTimeout(r, 1000)); // a resend or a second decision would show by now

  const got = await outcomesOf(batched);
  expect(got).toEqual(await outcomesOf(oneByOne));
  // And what one by one means, spelled out: one record, one event, one mail per deliverable event.
  expect(new Set(got.map((o) => JSON.stringify(o)))).toEqual(
    new Set([
      JSON.stringify({ status: 'SENT', attempts: 1, mails: 1, events: ['notification.sent'] }),
      JSON.stringify({
        status: 'FAILED',
        attempts: 0,
        failure: 'INVALID_ADDRESS',
        mails: 0,
        events: ['notification.failed INVALID_ADDRESS'],
      }),
      JSON.stringify({
        status: 'FAILED',
        attempts: 1,
        failure: 'REJECTED',
        mails: 0,
        events: ['notification.failed REJECTED'],
      }),
    ]),
  );
  const twice = mixes[0]!.events.at(-1)!;
  expect(mailsTo(smtp().mails, twice.customer.email)).toHaveLength(2); // one order, two events: two notifications
});

it('the same batch delivered again changes nothing', async () => {
  const batched = mixes.flatMap((m) => m.events);
  const before = await outcomesOf(batched);
  // Behind the copies, a new event of every order (same key, so same partition, after them): once all of those
  // are announced, the copies have been handled.
  const behind = mixes.map((m) => ({ type: m.type, events: m.events.map((e) => again(m.type, e)) }));
  for (const [i, m] of mixes.entries()) await tk.publishMany(m.type, [...m.published, ...behind[i]!.events]);
  await waitFor(() => settled(behind.flatMap((b) => b.events)), { timeoutMs: 30000, description: 'the new events' });
  await new Promise((r) => setTimeout(r, 1000));
  expect(await outcomesOf(batched)).toEqual(before);
});

it('an undecodable record among good ones is dead-lettered alone; every good one is handled once', async () => {
  await c.stopService(); // so that everything published now is fetched together
  const good = Array.from({ length: 30 }, () => anOrderFulfilled());
  await tk.publishMany('order.fulfilled', good.slice(0, 15));
  await tk.publishRaw('order.fulfilled', 'ord-poison', Buffer.from('not avro at all'));
  await tk.publishMany('order.fulfilled', good.slice(15));
  await c.startAgain();

  await waitFor(() => settled(good), { timeoutMs: 30000, description: 'notification.sent for every good event' });
  await new Promise((r) => setTimeout(r, 1000));
  for (const o of await outcomesOf(good))
    expect(o).toEqual({ status: 'SENT', attempts: 1, mails: 1, events: ['notification.sent'] });
  const dead = await tk.deadLetters('order.fulfilled');
  expect(dead.map((d) => d.key)).toEqual(['ord-poison']);
});

it('a batch that holds both event types is counted as a batch of each', async () => {
  const before = { fulfilled: await batchesOf('order.fulfilled'), refunded: await batchesOf('payment.refunded') };
  await c.stopService(); // both topics' records are then fetched together and coalesced into one transaction
  const fulfilled = Array.from({ length: 10 }, () => anOrderFulfilled());
  const refunded = Array.from({ length: 10 }, () => aPaymentRefunded());
  await tk.publishMany('order.fulfilled', fulfilled);
  await tk.publishMany('payment.refunded', refunded);
  await c.startAgain();
  await waitFor(async () => (await Promise.all([...fulfilled, ...refunded].map(recorded))).every(Boolean), {
    description: 'recorded',
  });
  expect(await batchesOf('order.fulfilled')).toBeGreaterThan(before.fulfilled);
  expect(await batchesOf('payment.refunded')).toBeGreaterThan(before.refunded);
});
