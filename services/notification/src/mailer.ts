import net from 'node:net';
import nodemailer from 'nodemailer';
import { PermanentError, TransientError } from '@orderflow/errors';
import type { Config } from './config';

/** One plain-text message to one recipient. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** RFC 5322 Message-ID, angle brackets included. */
  messageId: string;
}

/** The SMTP side of the service: the only code that speaks SMTP. */
export interface Mailer {
  /** Resolves once the SMTP server accepted the message; rejects with a TransientError or PermanentError. */
  send(mail: OutgoingMail): Promise<void>;
  /** Closes the pooled connections. */
  close(): void;
}

/** One pooled SMTP transporter for the life of the service. */
export function createMailer(config: Config): Mailer {
  const transporter = nodemailer.createTransport({
    pool: true,
    // One connection per mail in flight: nodemailer's default of 5 would queue the worker's concurrent sends.
    maxConnections: config.NOTIFY_CONCURRENCY,
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    ...(config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASS ?? '' } } : {}),
    connectionTimeout: config.SMTP_TIMEOUT_MS,
    greetingTimeout: config.SMTP_TIMEOUT_MS,
    socketTimeout: config.SMTP_TIMEOUT_MS,
    // Our own connection, with Nagle's algorithm off: a message goes out in several writes and the server answers
    // only after its last one, so with Nagle on that write waits for the server's delayed ACK (40 ms on Linux) and
    // each connection sends about 20 mails a second.
    getSocket: (_options, callback) => connectNoDelay(config, callback),
  });
  return {
    async send(mail) {
      try {
        await transporter.sendMail({ from: config.MAIL_FROM, ...mail });
      } catch (err) {
        throw smtpFailure(err);
      }
    },
    close: () => transporter.close(),
  };
}

/** A connected TCP socket to the SMTP server without Nagle's algorithm (TLS, if configured, goes on top of it). */
function connectNoDelay(config: Config, callback: (err: Error | null, options?: { connection: net.Socket }) => void) {
  const socket = net.connect({ host: config.SMTP_HOST, port: config.SMTP_PORT });
  socket.setNoDelay(true);
  let settled = false;
  const fail = (err: Error) => {
    socket.destroy();
    if (!settled) callback(err);
    settled = true;
  };
  socket.setTimeout(config.SMTP_TIMEOUT_MS, () =>
    fail(
      Object.assign(new Error(`SMTP connection timed out after ${config.SMTP_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }),
    ),
  );
  socket.once('error', fail);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.off('error', fail);
    settled = true;
    callback(null, { connection: socket });
  });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EDNS']);

/**
 * What a nodemailer failure means for the notification: the server being away (connection errors) or deferring (4xx)
 * is transient and retried with backoff; a permanent refusal of this message (5xx, e.g. an unknown recipient) or an
 * envelope nodemailer cannot even address (EENVELOPE: "No recipients defined") is permanent: the notification is
 * recorded as failed. A failed login (EAUTH) is our configuration, not the message: it is transient, so mail waits
 * for a fix rather than failing every customer's notification. Anything else is returned as is (retried, bounded).
 */
export function smtpFailure(err: unknown): unknown {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const what = `SMTP ${String(e.message ?? err)}`;
  if (code === 'EENVELOPE' && status === undefined) return new PermanentError(what, 'SMTP_ENVELOPE', { cause: err });
  if ((code && CONNECTION_CODES.has(code)) || code === 'EAUTH') return new TransientError(what, code, { cause: err });
  if (status !== undefined && status >= 400 && status < 500)
    return new TransientError(what, `SMTP_${status}`, { cause: err });
  if (status !== undefined && status >= 500 && status < 600)
    return new PermanentError(what, `SMTP_${status}`, { cause: err });
  return err;
}
