/**
 * Delivery after commit, against the real broker, PostgreSQL and an SMTP server on loopback:
 *  - a batch of events with one undeliverable address among them: every good mail goes out exactly once (before,
 *    nodemailer's "No recipients defined" rolled the batch back and the replay sent the others again), and the bad
 *    one is recorded as failed and announced, never dead-lettered;
 *  - a mailbox that answers 452 (temporarily full) is retried with backoff on its own while other customers' mail
 *    keeps going, and is delivered once when it accepts again; one that keeps answering 452 is given up (GAVE_UP);
 *  - a mailbox refused for good (550) is recorded as failed (REJECTED) and announced.
 */
import type { NotificationFailed } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, startSmtpSink, waitFor, type SmtpSink } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { createMailer } from '../src/mailer';
import { notification } from '../src/service';
import { anOrderFulfilled, mailsTo } from './support';

let sink: SmtpSink;
const c = componentTest('notification', async (env, self) => {
  sink = await startSmtpSink();
  self.onTearDown(() => sink.close());
  const config = readConfig({
    ...env,
    SMTP_PORT: String(sink.port),
    NOTIFY_RETRY_BASE_MS: '200',
    NOTIFY_RETRY_MAX_MS: '1000',
    NOTIFY_MAX_ATTEMPTS: '6',
  });
  const mailer = createMailer(config);
  self.onTearDown(() => mailer.close());
  return runService(notification(config, mailer));
});
const { tk } = c;

const failedFor = async (orderId: string): Promise<NotificationFailed[]> =>
  (await tk.events('notification.failed')).filter((e) => e.orderId === orderId);
const delivery = async () =>
  (await getJson(c.port, '/health/ready')).body.checks.find((x: { name: string }) => x.name === 'notification-delivery')
    .detail as { markTransactions: number; delivered: number };
const historyOf = async (orderId: string) =>
  (await getJson(c.port, `/notifications?orderId=${encodeURIComponent(orderId)}`)).body.notifications;

it('a batch with an undeliverable address: each good mail once, the bad one failed and announced', async () => {
  const good = Array.from({ length: 30 }, () => anOrderFulfilled());
  const bad = anOrderFulfilled();
  bad.customer = { ...bad.customer, email: 'not an address' };
  await tk.publishMany('order.fulfilled', [...good.slice(0, 15), bad, ...good.slice(15)]);

  const [failed] = await waitFor(
    async () => {
      const f = await failedFor(bad.orderId);
      return f.length > 0 && f;
    },
    { description: 'notification.failed for the bad address' },
  );
  expect(failed).toMatchObject({ reasonCode: 'INVALID_ADDRESS', template: 'ORDER_SHIPPED', attempts: 0 });
  expect(failed!.metadata.causationId).toBe(bad.metadata.eventId);
  await waitFor(() => good.every((o) => mailsTo(sink.mails, o.customer.email).length > 0), {
    description: 'every good mail',
  });
  const sentEvents = await waitFor(
    async () => {
      const ids = new Set(good.map((o) => o.orderId));
      const s = (await tk.events('notification.sent')).filter((e) => ids.has(e.orderId));
      return s.length >= good.length && s;
    },
    { description: 'notification.sent for every good mail' },
  );
  await new Promise((r) => setTimeout(r, 1000)); // a replay would resend by now
  for (const o of good) expect(mailsTo(sink.mails, o.customer.email)).toHaveLength(1);
  const messageIds = sink.mails.map((m) => m.headers['message-id']);
  expect(new Set(messageIds).size).toBe(messageIds.length);
  expect(sentEvents).toHaveLength(good.length);
  expect(await historyOf(bad.orderId)).toEqual([
    expect.objectContaining({
      status: 'FAILED',
      sentAt: null,
      failure: expect.objectContaining({ code: 'INVALID_ADDRESS' }),
    }),
  ]);
  expect(await tk.deadLetters('order.fulfilled')).toEqual([]);
});

it('a 452 mailbox is retried on its own while other mail flows, and delivered once it accepts', async () => {
  const full = anOrderFulfilled();
  const others = Array.from({ length: 10 }, () => anOrderFulfilled());
  sink.policy = (a) => (a === full.customer.email ? { code: 452, message: 'mailbox full, try later' } : undefined);
  await tk.publish('order.fulfilled', full);
  await waitFor(async () => (await historyOf(full.orderId))[0]?.attempts >= 2, { description: 'two failed attempts' });
  await tk.publishMany('order.fulfilled', others);
  await waitFor(() => others.every((o) => mailsTo(sink.mails, o.customer.email).length === 1), {
    description: "the other customers' mail while one mailbox is full",
  });
  expect(mailsTo(sink.mails, full.customer.email)).toHaveLength(0);
  expect((await historyOf(full.orderId))[0]).toMatchObject({ status: 'PENDING' });

  sink.policy = undefined;
  await waitFor(() => mailsTo(sink.mails, full.customer.email).length === 1, { description: 'the delayed mail' });
  const [entry] = await waitFor(
    async () => {
      const h = await historyOf(full.orderId);
      return h[0]?.status === 'SENT' && h;
    },
    { description: 'marked sent' },
  );
  expect(entry.attempts).toBeGreaterThanOrEqual(3);
  expect(mailsTo(sink.mails, full.customer.email)).toHaveLength(1);
});

it('a mailbox that stays full is given up after the attempt limit; a refused one fails at once', async () => {
  const stuck = anOrderFulfilled();
  const refused = anOrderFulfilled();
  sink.policy = (a) =>
    a === stuck.customer.email
      ? { code: 452, message: 'mailbox full, try later' }
      : a === refused.customer.email
        ? { code: 550, message: 'no such user' }
        : undefined;
  await tk.publishMany('order.fulfilled', [stuck, refused]);
  const [rejected] = await waitFor(
    async () => {
      const f = await failedFor(refused.orderId);
      return f.length > 0 && f;
    },
    { description: 'notification.failed for the refused mailbox' },
  );
  expect(rejected).toMatchObject({ reasonCode: 'REJECTED', attempts: 1 });
  expect(rejected!.reason).toMatch(/550/);
  const [gaveUp] = await waitFor(
    async () => {
      const f = await failedFor(stuck.orderId);
      return f.length > 0 && f;
    },
    { timeoutMs: 30000, description: 'notification.failed for the mailbox that stays full' },
  );
  expect(gaveUp).toMatchObject({ reasonCode: 'GAVE_UP', attempts: 6 });
  expect(sink.mails.filter((m) => m.to.includes(stuck.customer.email))).toHaveLength(0);
  expect(await tk.deadLetters('order.fulfilled')).toEqual([]);
  sink.policy = undefined;
});

it('200 notifications, some refused for now and some for good: each good mail once, marked, announced once', async () => {
  const good = Array.from({ length: 200 }, () => anOrderFulfilled());
  const later = Array.from({ length: 5 }, () => anOrderFulfilled()); // 452 twice, then accepted
  const refused = Array.from({ length: 5 }, () => anOrderFulfilled()); // 550
  const refusals = new Map(later.map((o) => [o.customer.email, 2]));
  const refusedEmails = new Set(refused.map((o) => o.customer.email));
  sink.policy = (a) => {
    if (refusedEmails.has(a)) return { code: 550, message: 'no such user' };
    const left = refusals.get(a) ?? 0;
    if (left === 0) return undefined;
    refusals.set(a, left - 1);
    return { code: 452, message: 'mailbox full, try later' };
  };
  const marksBefore = (await delivery()).markTransactions;
  const all = [...good, ...later, ...refused];
  // Interleaved, so that the worker's rounds mix good mail with both kinds of refusal.
  const mixed = all.map((o, i) => ({ o, k: (i * 7919) % all.length })).sort((a, b) => a.k - b.k);
  await tk.publishMany(
    'order.fulfilled',
    mixed.map((m) => m.o),
  );

  const delivered = [...good, ...later];
  const ids = new Set(all.map((o) => o.orderId));
  const { sent, failed } = await waitFor(
    async () => {
      const s = (await tk.events('notification.sent')).filter((e) => ids.has(e.orderId));
      const f = (await tk.events('notification.failed')).filter((e) => ids.has(e.orderId));
      return s.length >= delivered.length && f.length >= refused.length && { sent: s, failed: f };
    },
    {
      timeoutMs: 60000,
      description: 'notification.sent for every delivered mail, notification.failed for the refused',
    },
  );
  await new Promise((r) => setTimeout(r, 1000)); // a resend or a second mark would show by now

  const mails = sink.mails.filter((m) => m.to.some((t) => all.some((o) => o.customer.email === t)));
  expect(mails).toHaveLength(delivered.length);
  const messageIds = new Set(mails.map((m) => m.headers['message-id']));
  expect(messageIds.size).toBe(delivered.length);
  for (const o of delivered) expect(mailsTo(sink.mails, o.customer.email)).toHaveLength(1);
  for (const o of refused) expect(mailsTo(sink.mails, o.customer.email)).toHaveLength(0);

  const sentNow = (await tk.events('notification.sent')).filter((e) => ids.has(e.orderId));
  expect(sentNow).toHaveLength(delivered.length);
  const sentByOrder = new Map(sentNow.map((e) => [e.orderId, e]));
  for (const o of delivered) {
    const e = sentByOrder.get(o.orderId)!;
    expect(e.metadata).toMatchObject({ causationId: o.metadata.eventId, correlationId: o.orderId });
    expect(mailsTo(sink.mails, o.customer.email)[0]!.headers['message-id']).toBe(
      `<${e.notificationId}@orderflow.local>`,
    );
  }
  expect(sent.length).toBe(delivered.length);
  expect(failed.map((e) => e.orderId).sort()).toEqual(refused.map((o) => o.orderId).sort());
  for (const e of failed) expect(e).toMatchObject({ reasonCode: 'REJECTED', attempts: 1 });

  for (const o of [...later, ...good.slice(0, 5)]) {
    const [n] = await historyOf(o.orderId);
    expect(n).toMatchObject({ status: 'SENT', attempts: later.includes(o) ? 3 : 1 });
  }
  for (const o of refused) {
    expect(await historyOf(o.orderId)).toEqual([
      expect.objectContaining({ status: 'FAILED', failure: expect.objectContaining({ code: 'REJECTED' }) }),
    ]);
  }
  // Marked in groups: far fewer transactions than mails (each retried mail is marked in a round of its own). How many
  // mails a group holds depends on how fast the SMTP conversations go (a group closes 50 ms after its first mail):
  // about four here alone, fewer with other test files on the cores; one by one would be one per mail.
  const marks = (await delivery()).markTransactions - marksBefore;
  expect(marks).toBeLessThanOrEqual(delivered.length / 3);
  sink.policy = undefined;
}, 90000);
