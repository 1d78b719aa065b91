import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';
import { parseStepDeadlines } from './domain/deadlines';

/** The services the dashboard watches as `name=url` pairs; the default is what `npm start` runs (ports 3001..3006). */
const serviceList = z
  .string()
  .default(
    'order-validator=http://127.0.0.1:3001,inventory=http://127.0.0.1:3002,payment=http://127.0.0.1:3003,' +
      'fulfillment=http://127.0.0.1:3004,notification=http://127.0.0.1:3005,analytics=http://127.0.0.1:3006',
  )
  .transform((s, ctx) =>
    s
      .split(',')
      .filter((p) => p.trim())
      .map((pair) => {
        const [name, url] = pair.split('=').map((x) => x.trim());
        if (!name || !url || !/^https?:\/\//.test(url)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected name=http://host:port, got "${pair}"` });
          return { name: pair, url: '' };
        }
        return { name, url: url.replace(/\/$/, '') };
      }),
  );

export const configSchema = baseConfigSchema.extend({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3006),
  /**
   * Per step, how long an order may wait on it before it counts as STUCK, e.g. `payment=960000,fulfillment=300000`
   * (ms; steps: validation, reservation, payment, fulfillment; unnamed steps keep their defaults).
   */
  STEP_DEADLINES: z
    .string()
    .default('')
    .transform((s, ctx) => {
      try {
        return parseStepDeadlines(s);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** How often the stuck-order gauge is refreshed. */
  STUCK_CHECK_MS: z.coerce.number().int().min(100).default(10000),
  DASHBOARD_SERVICES: serviceList,
  /** How often the dashboard's stream sends a fresh picture. */
  DASHBOARD_INTERVAL_MS: z.coerce.number().int().min(200).max(60000).default(1000),
  /** Bearer token of the dashboard's admin actions (dead-letter redrive). */
  ADMIN_TOKEN: z.string().min(1).default('dev-admin-token'),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
