/**
 * notification as a component: real Kafka, registry, PostgreSQL and a real SMTP server (the sink) on loopback; the
 * service runs in-process with its own database, schema, role and topic prefix.
 */
import { Client } from 'pg';
import type { EventMap, EventType } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, startSmtpSink, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { createMailer } from '../src/mailer';
import { notification } from '../src/service';
import {
  anInventoryRejected,
  anOrderFulfilled,
  anOrderRejected,
  aPaymentFailed,
  aPaymentRefunded,
  mailsTo,
  textOf,
} from './support';

let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const c = componentTest('notification', async (env, self) => {
  sink = await startSmtpSink();
  self.onTearDown(() => sink.close());
  const config = readConfig({ ...env, SMTP_PORT: String(sink.port) });
  const mailer = createMailer(config);
  self.onTearDown(() => mailer.close());
  return runService(notification(config, mailer));
});
const { tk } = c;

const sentFor = async (orderId: string) => (await tk.events('notification.sent')).filter((e) => e.orderId === orderId);

/** One trigger: the event, and what the customer must read. */
const trigger = <T extends EventType>(
  type: T,
  event: EventMap[T] & { orderId: string },
  subject: string,
  says: string[],
) => ({
  type,
  event,
  subject,
  says,
  publish: () => tk.publish(type, event),
});

const rejected = anOrderRejected();
const short = anInventoryRejected();
const failed = aPaymentFailed();
const shipped = anOrderFulfilled();
const refunded = aPaymentRefunded();

it.each([
  [
    'ORDER_REJECTED',
    trigger('order.rejected', rejected, `We could not accept your order ${rejected.orderId}`, [
      'quantity 0 of SKU-1 is outside 1..1000',
    ]),
  ],
  [
    'OUT_OF_STOCK',
    trigger('inventory.rejected', short, `Items in your order ${short.orderId} are out of stock`, [
      'SKU-7: 3 requested, 1 in stock',
    ]),
  ],
  [
    'PAYMENT_FAILED',
    trigger('payment.failed', failed, `Payment for your order ${failed.orderId} failed`, [
      'could not charge $42.50',
      'insufficient funds',
    ]),
  ],
  [
    'ORDER_SHIPPED',
    trigger('order.fulfilled', shipped, `Your order ${shipped.orderId} has shipped`, [
      'with DHL',
      'Tracking number: JD0146000012345678',
    ]),
  ],
  [
    'PAYMENT_REFUNDED',
    trigger('payment.refunded', refunded, `Your refund for order ${refunded.orderId}`, ['We have refunded €19.99']),
  ],
])('%s: one email to the customer, a notification record and notification.sent', async (template, t) => {
  const { orderId, customer, metadata } = t.event;
  await t.publish();

  const [sent] = await waitFor(
    async () => {
      const events = await sentFor(orderId);
      return events.length > 0 && events;
    },
    { description: 'notification.sent' },
  );
  expect(sent).toMatchObject({ channel: 'EMAIL', recipient: customer.email, template, triggeredBy: t.type });
  expect(sent!.metadata).toMatchObject({
    source: 'notification',
    correlationId: orderId,
    causationId: metadata.eventId,
  });

  // notification.sent is written with the delivery mark, after the SMTP server accepted the mail.
  const mails = mailsTo(sink.mails, customer.email);
  expect(mails).toHaveLength(1);
  const mail = mails[0]!;
  expect(mail.subject).toBe(t.subject);
  expect(mail.from).toBe('orders@orderflow.local');
  expect(mail.headers['message-id']).toBe(`<${sent!.notificationId}@orderflow.local>`);
  const text = textOf(mail);
  expect(text).toContain(`Hello ${customer.name},`);
  for (const phrase of t.says) expect(text).toContain(phrase);

  const { status, body } = await getJson(c.port, `/notifications?orderId=${encodeURIComponent(orderId)}`);
  expect(status).toBe(200);
  expect(body).toEqual({
    orderId,
    notifications: [
      {
        notificationId: sent!.notificationId,
        template,
        recipient: customer.email,
        subject: t.subject,
        triggeredBy: t.type,
        status: 'SENT',
        sentAt: new Date(sent!.sentAt).toISOString(),
        attempts: 1,
      },
    ],
  });
});

it('the same event delivered twice sends one email; the order history lists its notifications oldest first', async () => {
  const shippedTwice = anOrderFulfilled();
  const { orderId, customer } = shippedTwice;
  await tk.publish('order.fulfilled', shippedTwice);
  await tk.publish('order.fulfilled', shippedTwice); // redelivery: same event id
  // Kafka orders records within one topic's partition only: the refund (another topic) is published once the
  // shipped mail is out, so it is decided after it. The duplicate sits right behind the original in its partition:
  // once the refund's mail is in, the duplicate has had every chance to produce a second one.
  await waitFor(() => mailsTo(sink.mails, customer.email).some((m) => m.subject.includes('has shipped')), {
    description: 'the shipping mail',
  });
  await tk.publish('payment.refunded', aPaymentRefunded({ orderId, customer }));
  await waitFor(() => mailsTo(sink.mails, customer.email).some((m) => m.subject.startsWith('Your refund')), {
    description: 'the refund mail',
  });

  expect(mailsTo(sink.mails, customer.email).map((m) => m.subject)).toEqual([
    `Your order ${orderId} has shipped`,
    `Your refund for order ${orderId}`,
  ]);
  // The mail goes out before its delivery mark commits: wait for both records to be marked.
  const history = await waitFor(
    async () => {
      const { body } = await getJson(c.port, `/notifications?orderId=${orderId}`);
      return body.notifications.length >= 2 && body.notifications;
    },
    { description: 'both notifications recorded' },
  );
  expect(history.map((n: { template: string }) => n.template)).toEqual(['ORDER_SHIPPED', 'PAYMENT_REFUNDED']);
  const sent = await waitFor(
    async () => {
      const events = await sentFor(orderId);
      return events.length === 2 && events;
    },
    { description: 'two notification.sent events' },
  );
  expect(sent.map((e) => e.triggeredBy)).toEqual(['order.fulfilled', 'payment.refunded']);
  // The notification's primary key (derived from the triggering event) is the only guard: no inbox rows are kept.
  const pg = new Client({ connectionString: c.db.url });
  await pg.connect();
  try {
    expect((await pg.query('SELECT count(*)::int AS n FROM notification.inbox')).rows[0].n).toBe(0);
  } finally {
    await pg.end();
  }
});

it('answers 400 naming orderId when it is missing or empty, and an empty history for an unknown order', async () => {
  for (const path of ['/notifications', '/notifications?orderId=', '/notifications?orderId=%20']) {
    const { status, body } = await getJson(c.port, path);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'INVALID_REQUEST', field: 'orderId' });
  }
  expect(await getJson(c.port, '/notifications?orderId=nobody')).toEqual({
    status: 200,
    body: { orderId: 'nobody', notifications: [] },
  });
});

it('mails of one order decided in a burst are sent and announced in the order they were decided', async () => {
  // 12 orders, each shipped and refunded, published in two requests: an order's refund is decided while its
  // shipping mail may still wait or be in flight (8 at once). One order's mails never overtake each other.
  const pairs = Array.from({ length: 12 }, () => {
    const s = anOrderFulfilled();
    return { s, r: aPaymentRefunded({ orderId: s.orderId, customer: s.customer }) };
  });
  await tk.publishMany(
    'order.fulfilled',
    pairs.map((p) => p.s),
  );
  // The refunds go once every shipping mail is decided. The two topics are consumed concurrently: published at once,
  // an order's two decisions could be made in overlapping transactions, and then the history (by decision time, the
  // transaction's start) and the worker (by commit) may each put a different one first, neither wrong; seen once
  // with the suite in parallel.
  for (const { s } of pairs)
    await waitFor(
      async () => (await getJson(c.port, `/notifications?orderId=${s.orderId}`)).body.notifications?.length === 1,
      { description: `the shipping mail of ${s.orderId} decided` },
    );
  await tk.publishMany(
    'payment.refunded',
    pairs.map((p) => p.r),
  );
  const triggerOf: Record<string, string> = { ORDER_SHIPPED: 'order.fulfilled', PAYMENT_REFUNDED: 'payment.refunded' };
  const subjectOf: Record<string, string> = { ORDER_SHIPPED: 'has shipped', PAYMENT_REFUNDED: 'Your refund' };
  for (const { s } of pairs) {
    const sent = await waitFor(
      async () => {
        const events = await sentFor(s.orderId);
        return events.length === 2 && events;
      },
      { description: `two notification.sent events of ${s.orderId}` },
    );
    // The history lists an order's notifications in the order they were decided.
    const { body } = await getJson(c.port, `/notifications?orderId=${s.orderId}`);
    const decided: string[] = body.notifications.map((n: { template: string }) => n.template);
    expect(decided.sort()).toEqual(['ORDER_SHIPPED', 'PAYMENT_REFUNDED']);
    const inOrder: string[] = body.notifications.map((n: { template: string }) => n.template);
    expect(sent.map((e) => e.triggeredBy)).toEqual(inOrder.map((t) => triggerOf[t]));
    const mails = mailsTo(sink.mails, s.customer.email).map((m) => m.subject);
    expect(mails).toHaveLength(2);
    inOrder.forEach((t, k) => expect(mails[k]).toContain(subjectOf[t]!));
  }
});
