/**
 * An SMTP server that is down is a transient failure: the notification waits (retried with backoff by the delivery
 * worker; the consumer is not held) and the email goes out once the server is back. Nothing is lost, nothing is
 * dead-lettered, nothing is sent twice.
 */
import { runService } from '@orderflow/service-kit';
import { componentTest, freePort, getJson, startSmtpSink, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { createMailer } from '../src/mailer';
import { notification } from '../src/service';
import { aPaymentFailed, mailsTo, textOf } from './support';

let sink: Awaited<ReturnType<typeof startSmtpSink>> | undefined;
let smtpPort: number;
const c = componentTest('notification', async (env, self) => {
  smtpPort = await freePort(); // nothing listens there until the test starts the sink
  const config = readConfig({ ...env, SMTP_PORT: String(smtpPort), NOTIFY_RETRY_MAX_MS: '1000' });
  const mailer = createMailer(config);
  self.onTearDown(() => mailer.close());
  self.onTearDown(() => sink?.close());
  return runService(notification(config, mailer));
});
const { tk } = c;

const deliveryOf = async () =>
  (await getJson(c.port, '/health/ready')).body.checks.find((c: { name: string }) => c.name === 'notification-delivery')
    .detail as { lastError?: string; pending: number };

it('keeps retrying while the SMTP server is down and delivers once it is back', async () => {
  const failed = aPaymentFailed();
  const { orderId, customer } = failed;
  await tk.publish('payment.failed', failed);

  // The service has tried and failed: the delivery worker reports the refused connection and keeps the mail pending.
  const delivery = await waitFor(
    async () => {
      const d = await deliveryOf();
      return d.lastError?.includes('ECONNREFUSED') ? d : undefined;
    },
    { description: 'a failed SMTP attempt' },
  );
  expect(delivery.lastError).toContain(`127.0.0.1:${smtpPort}`);
  expect(delivery.pending).toBeGreaterThanOrEqual(1);
  const pending = (await getJson(c.port, `/notifications?orderId=${orderId}`)).body.notifications;
  expect(pending).toEqual([expect.objectContaining({ status: 'PENDING', sentAt: null })]);

  sink = await startSmtpSink(smtpPort);
  const mail = await waitFor(() => mailsTo(sink!.mails, customer.email)[0], {
    description: 'the email after the outage',
  });
  expect(mail.subject).toBe(`Payment for your order ${orderId} failed`);
  expect(textOf(mail)).toContain('We could not charge $42.50');

  const [sent] = await waitFor(
    async () => {
      const events = (await tk.events('notification.sent')).filter((e) => e.orderId === orderId);
      return events.length > 0 && events;
    },
    { description: 'notification.sent' },
  );
  expect(sent).toMatchObject({ template: 'PAYMENT_FAILED', recipient: customer.email, triggeredBy: 'payment.failed' });
  expect(mailsTo(sink.mails, customer.email)).toHaveLength(1);
  const { body } = await getJson(c.port, `/notifications?orderId=${orderId}`);
  expect(body.notifications).toHaveLength(1);
  expect(await tk.deadLetters('payment.failed')).toEqual([]);
});
