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
  /**
   * Connect, greeting and socket-idle timeout. The send happens inside the event's database transaction, so a silent
   * server must not hold it for nodemailer's default two minutes.
   */
  SMTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10000),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
