import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';
import { parseStepDeadlines } from './domain/deadlines';

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
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
