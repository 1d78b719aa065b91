import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  headers: Record<string, string>;
  /** The body as sent (transfer-encoded). */
  body: string;
  /** The body as the customer reads it (quoted-printable or base64 undone). */
  text: string;
  raw: string;
  /** When the sink took it (epoch ms, end of DATA): the chaos checker relates duplicates to kill times. */
  receivedAt?: number;
}

/**
 * A real SMTP server on loopback that keeps what it receives: the notification service speaks SMTP to it exactly
 * as it would to a production relay.
 */
/** How the sink answers RCPT TO for an address: undefined accepts; a reply refuses (e.g. 452 mailbox full). */
export type RecipientPolicy = (address: string) => { code: number; message: string } | undefined;

export interface SmtpSinkOptions {
  /** Per-recipient answers; changeable while the sink runs (sink.policy = ...). */
  policy?: RecipientPolicy;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Per-recipient answers of RCPT TO; undefined accepts every recipient. */
  policy: RecipientPolicy | undefined;
  close(): Promise<void>;
}

export async function startSmtpSink(port = 0, opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const sink = { policy: opts.policy } as { policy: RecipientPolicy | undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = sink.policy?.(address.address);
      if (!refusal) return callback();
      const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
      return callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const mail = parseMail(
          raw,
          from,
          session.envelope.rcptTo.map((r) => r.address),
        );
        mails.push({ ...mail, receivedAt: Date.now() });
        callback();
      });
    },
  });
  // A client killed mid-session (kill -9 tests) resets its connection: that is the client's failure, not the sink's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const address = (server as unknown as { server: import('node:net').Server }).server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return Object.assign(sink, {
    port: bound,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }) as SmtpSink;
}

/** Enough RFC 5322 parsing for assertions: unfolded headers and the body as sent. */
export function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body, 'base64').toString('utf8')
        : body;
  return { from, to, subject: headers.subject ?? '', headers, body, text, raw };
}

/** RFC 2045 quoted-printable: soft line breaks removed, =XX octets decoded as UTF-8. */
export function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
