import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean);

export const configSchema = baseConfigSchema.extend({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** ISO 4217 codes the shop sells in. */
  SUPPORTED_CURRENCIES: z.string().default('EUR,USD,GBP').transform(list),
  /** ISO 3166-1 alpha-2 codes the shop ships to. */
  SUPPORTED_COUNTRIES: z.string().default('DE,FR,GB,US,NL,ES,IT,SE,AT,BE,DK,PL').transform(list),
  /** Most lines an order may have; more is a rejection (TOO_MANY_LINES), not an outbox jam. */
  MAX_ORDER_LINES: z.coerce.number().int().min(1).max(10000).default(100),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
