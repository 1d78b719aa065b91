import { PermanentError, TransientError } from '@orderflow/errors';
import { smtpFailure } from './mailer';

// Shaped as nodemailer's SMTP connection reports failures: a code, and the server's reply code when there was one.
const failure = (code: string, responseCode?: number) =>
  Object.assign(new Error(`${code} ${responseCode ?? ''}`), { code, ...(responseCode ? { responseCode } : {}) });

describe('smtpFailure', () => {
  it.each(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNECTION', 'ESOCKET'])(
    'treats connection error %s as transient',
    (code) => {
      expect(smtpFailure(failure(code))).toBeInstanceOf(TransientError);
    },
  );

  it.each([421, 450, 451, 452])('treats a %p reply as transient', (status) => {
    const err = smtpFailure(failure('EENVELOPE', status));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).code).toBe(`SMTP_${status}`);
  });

  it.each([550, 553, 554])('treats a %p reply (recipient refused for good) as permanent', (status) => {
    const err = smtpFailure(failure('EENVELOPE', status));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).cause).toBeInstanceOf(Error);
  });

  it('keeps a server that hangs up with a 5xx greeting transient: the server is away, not the message bad', () => {
    expect(smtpFailure(failure('ECONNECTION', 554))).toBeInstanceOf(TransientError);
  });

  it('treats an envelope nodemailer cannot address ("No recipients defined") as permanent', () => {
    const err = smtpFailure(failure('EENVELOPE'));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('SMTP_ENVELOPE');
  });

  it('treats a failed login as transient (our configuration, not the message)', () => {
    expect(smtpFailure(failure('EAUTH', 535))).toBeInstanceOf(TransientError);
  });

  it('returns anything else unchanged', () => {
    const odd = new Error('something else');
    expect(smtpFailure(odd)).toBe(odd);
  });
});
