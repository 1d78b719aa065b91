import { serviceDatabaseUrl } from '@orderflow/service-kit';
import { rolePassword, testEnv } from './env';

/**
 * Environment for running one service in-process in a component test: its own role and schema in the test's
 * database (bootstrapped by the service through DATABASE_ADMIN_URL), the test's topic prefix, a random HTTP port.
 */
export function serviceEnv(
  service: string,
  o: { prefix: string; databaseUrl: string },
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const schema = service.replace(/-/g, '_');
  const env = testEnv();
  return {
    DATABASE_ADMIN_URL: o.databaseUrl,
    DATABASE_URL: serviceDatabaseUrl(o.databaseUrl, schema, rolePassword(schema).password),
    KAFKA_BROKERS: env.brokers.join(','),
    SCHEMA_REGISTRY_URL: env.registryUrl,
    TOPIC_PREFIX: o.prefix,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RELAY_POLL_MS: '200',
    METRICS_REFRESH_MS: '300',
    ...extra,
  };
}

/** GET a JSON resource of a running service. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
export async function getJson(port: number, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
