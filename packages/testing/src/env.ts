import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { passwordFile, roleOf } from '@orderflow/service-kit';

/** Where the real infrastructure is (see global-setup.js). */
export function testEnv() {
  return {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    adminDatabaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

/** A short random id for names that must not collide between tests and runs. */
export function uniqueId(): string {
  return randomBytes(4).toString('hex');
}

/** A topic prefix of its own for one test file: topics, subjects and consumer groups never meet another test's. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${uniqueId()}.`;
}

/** How long drop() lets the database's connections close before it terminates them. */
const DROP_GRACE_MS = 2000;

/** A fresh database for one test file; returns its admin connection string and a drop function. */
export async function createTestDatabase(
  label = 'test',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `of_${label.replace(/[^a-z0-9]/g, '_')}_${uniqueId()}`;
  const admin = testEnv().adminDatabaseUrl;
  const c = new Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const d = new Client({ connectionString: admin });
      await d.connect();
      try {
        // A pool's end() resolves once it has asked its connections to close, before their backends have gone.
        // Terminated meanwhile (FORCE), such a connection reports the termination to its pool, which has no
        // listener left: an unhandled 'error' that fails the test file. So let closing connections go first;
        // FORCE then ends whatever the test left open.
        const deadline = Date.now() + DROP_GRACE_MS;
        while (Date.now() < deadline) {
          const r = await d.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [name],
          );
          if (r.rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  description?: string;
}

/** Polls `probe` until it returns a value that is not undefined/false; fails with the description after the timeout. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  o: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 30000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
  throw new Error(
    `timed out after ${o.timeoutMs ?? 30000} ms waiting for ${o.description ?? 'condition'}` +
      (lastError ? ` (last error: ${(lastError as Error).message})` : ''),
  );
}

/** A loopback port nothing listens on (yet): bound by the OS, then released. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Where test runs keep the service roles' passwords: roles are cluster-wide, so every test file (and `npm start`)
 * on this checkout shares one random password per role, created once.
 * @default <repo>/.data/secrets, or ORDERFLOW_SECRETS_DIR
 */
export function secretsDir(): string {
  return process.env.ORDERFLOW_SECRETS_DIR ?? path.resolve(__dirname, '..', '..', '..', '.data', 'secrets');
}

/** The password file and password of a service schema's role (see secretsDir). */
export function rolePassword(schema: string): { file: string; password: string } {
  return passwordFile(secretsDir(), roleOf(schema));
}
