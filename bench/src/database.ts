import fs from 'node:fs';

/** Where the local PostgreSQL listens on this machine (Debian's and the official images' socket directory). */
export const LOCAL_SOCKET_DIR = '/var/run/postgresql';
const DEFAULT_TCP_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type Transport = 'unix socket' | 'tcp';

export interface BenchDatabase {
  /** The admin connection the whole run uses: the services' URLs, pgbench and the bench's own clients follow it. */
  url: string;
  transport: Transport;
  /** Why this one: DATABASE_URL as given, or the local server's socket found when none was given. */
  chosenBy: 'DATABASE_URL' | 'local socket' | 'default';
}

/**
 * The database of a run. Everything runs on one machine, so when no DATABASE_URL is given and the local server's
 * socket is there, the run connects over it, as a deployment that puts its services beside PostgreSQL would (the
 * README's performance notes: lower latency at a paced rate than over loopback TCP, the same throughput).
 * `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench` measures over TCP.
 */
export function benchDatabase(
  env: NodeJS.ProcessEnv,
  socketExists: (path: string) => boolean = fs.existsSync,
): BenchDatabase {
  const given = env.DATABASE_URL;
  if (given) return { url: given, transport: transportOf(given), chosenBy: 'DATABASE_URL' };
  if (socketExists(`${LOCAL_SOCKET_DIR}/.s.PGSQL.5432`))
    return {
      url: `postgres://postgres@localhost/postgres?host=${LOCAL_SOCKET_DIR}`,
      transport: 'unix socket',
      chosenBy: 'local socket',
    };
  return { url: DEFAULT_TCP_URL, transport: 'tcp', chosenBy: 'default' };
}

/** As libpq and node-postgres read a URL: a host that is a directory (in `?host=` or URL-encoded) is a socket. */
export function transportOf(url: string): Transport {
  return hostOf(url).startsWith('/') ? 'unix socket' : 'tcp';
}

/** The host a URL names for libpq: a TCP host, or a socket directory (`?host=/var/run/postgresql`, or URL-encoded). */
export function hostOf(url: string): string {
  const u = new URL(url);
  return u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
}
