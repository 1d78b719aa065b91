import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';
import { SKU_PATTERN } from './domain/reservation';

const json = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not valid JSON' });
    return z.NEVER;
  }
});

export const configSchema = baseConfigSchema.extend({
  /** How long a reservation waits for a payment outcome before its units go back to stock (default 15 min). */
  PAYMENT_DEADLINE_MS: z.coerce.number().int().min(1000).default(900_000),
  /** How often overdue reservations are looked for. */
  DEADLINE_SWEEP_MS: z.coerce.number().int().min(100).default(5000),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  /** Bearer token of the admin routes (PUT /stock/:sku). */
  ADMIN_TOKEN: z.string().min(1).default('dev-admin-token'),
  /** Stock to create at start-up for SKUs not yet known, as JSON: {"SKU-1": 100}. Known SKUs are left alone. */
  SEED_STOCK: z
    .string()
    .default('{}')
    .pipe(json)
    .pipe(z.record(z.string().regex(SKU_PATTERN), z.number().int().min(0).max(2147483647))),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
