import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';
import { parseStepDeadlines } from './domain/deadlines';

/**
 * The services the dashboard watches, as `name=url` pairs; `name=url1|url2` for a service whose consumers and relay
 * run as separate processes. The default is what `npm start` runs: workers on 3001..3006, relays on 3101..3106.
 */
const DEFAULT_SERVICES = ['order-validator', 'inventory', 'payment', 'fulfillment', 'notification', 'analytics']
  .map((name, i) => `${name}=http://127.0.0.1:${3001 + i}|http://127.0.0.1:${3101 + i}`)
  .join(',');
const serviceList = z
  .string()
  .default(DEFAULT_SERVICES)
  .transform((s, ctx) =>
    s
      .split(',')
      .filter((p) => p.trim())
      .map((pair) => {
        const [name, urls] = pair.split('=').map((x) => x.trim());
        const list = (urls ?? '').split('|').map((u) => u.trim().replace(/\/$/, ''));
        if (!name || !list.every((u) => /^https?:\/\/[^/]+/.test(u))) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: `expected name=http://host:port[|http://…], got "${pair}"`,
          });
        }
        return { name: name ?? pair, urls: list };
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
