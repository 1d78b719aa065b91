import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';

export const configSchema = baseConfigSchema.extend({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3003),
  /** Which payment-provider adapter charges and refunds. Only the built-in simulation exists today. @default simulated */
  PAYMENT_PROVIDER: z.enum(['simulated']).default('simulated'),
  /** Simulated provider: how many attempts of a tok_transient idempotency key fail before it approves. @default 2 */
  SIM_TRANSIENT_FAILURES: z.coerce.number().int().min(0).default(2),
  /** Simulated provider: delay of every call, as a real provider's network round trip. @default 0 */
  SIM_LATENCY_MS: z.coerce.number().int().min(0).default(0),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
