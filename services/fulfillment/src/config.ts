import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@orderflow/service-kit';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean);

export const configSchema = baseConfigSchema.extend({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3004),
  /** Postal codes in the carriers' no-service areas; a shipment there fails. */
  UNDELIVERABLE_POSTAL_CODES: z.string().default('00000,99999').transform(list),
  /** ISO 3166-1 alpha-2 codes no carrier delivers to. */
  UNDELIVERABLE_COUNTRIES: z.string().default('AQ').transform(list),
});

export type Config = z.infer<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
