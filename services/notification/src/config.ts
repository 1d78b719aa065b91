import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';

// z.coerce.boolean() would read the string 'false' as true.
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

export const configSchema = baseConfigSchema.extend({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3005),
  /** SMTP relay the service hands its mail to. */
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
  /** true: TLS from the first byte (port 465); false: plain, upgraded with STARTTLS when the server offers it. */
  SMTP_SECURE: flag,
  /** Credentials; the service authenticates only when SMTP_USER is set. */
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASS: z.string().optional(),
  /** Sender of every notification; its domain also names the Message-IDs. */
  MAIL_FROM: z.string().min(3).default('Orderflow <orders@orderflow.local>'),
  /** Connect, greeting and socket-idle timeout: a silent server must not hold a send for nodemailer's two minutes. */
  SMTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10000),
  /** Mails in flight at once per process (and pooled SMTP connections). */
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** How long a claimed notification is reserved for the replica sending it; a crashed one's claim expires. */
  NOTIFY_CLAIM_MS: z.coerce.number().int().min(1000).default(30000),
  /** Polling fallback of the delivery worker (a committed event wakes it at once). */
  NOTIFY_POLL_MS: z.coerce.number().int().min(10).default(500),
  /** First retry delay after a temporary failure (4xx, server away); doubles per attempt up to NOTIFY_RETRY_MAX_MS. */
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1000),
  NOTIFY_RETRY_MAX_MS: z.coerce.number().int().min(10).default(300_000),
  /** Attempts before a notification that keeps failing temporarily is recorded as failed (GAVE_UP). */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  /**
   * Accepted mails are marked sent in groups, one transaction each: a group is marked when it holds
   * NOTIFY_MARK_MAX mails or NOTIFY_MARK_EVERY_MS after its first was accepted, whichever comes first (one group at
   * a time: mails accepted during a group's mark wait for the next, so under load groups fill). Longer
   * widens the window in which a crash resends a mail (same Message-ID); shorter costs more transactions.
   */
  NOTIFY_MARK_EVERY_MS: z.coerce.number().int().min(1).max(1000).default(50),
  NOTIFY_MARK_MAX: z.coerce.number().int().min(1).max(1000).default(50),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
