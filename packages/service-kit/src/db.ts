import path from 'node:path';
import { Client, Pool } from 'pg';
import { runner } from 'node-pg-migrate';
import { migrateOutbox, ident } from '@orderflow/outbox';

/**
 * A pool whose sessions resolve unqualified names in `schema` (the service's own), whatever role connects: with the
 * service role that is also its default, with an administrative role it keeps the service out of `public`.
 */
export function createPool(connectionString: string, max: number, applicationName: string, schema?: string): Pool {
  const pool = new Pool({
    connectionString,
    max,
    application_name: applicationName,
    idleTimeoutMillis: 30000,
    ...(schema ? { options: `-c search_path=${ident(schema)}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** The schema a service owns by default: its name with `_` for `-` (DB_SCHEMA overrides it). */
export function dbSchemaOf(service: string): string {
  return service.replace(/-/g, '_');
}

/** The role name of a service schema. */
export function roleOf(schema: string): string {
  return `${schema}_svc`;
}

/**
 * Creates the service's database role and schema (idempotent), with rights on that schema only. Runs with an
 * administrative connection: at deploy time, by `npm start`, or by the test harness.
 */
export async function bootstrapServiceDatabase(adminUrl: string, schema: string, password: string): Promise<void> {
  const role = roleOf(schema);
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    // Serialise concurrent bootstraps (several services starting at once race on CREATE ROLE).
    await c.query('SELECT pg_advisory_lock(4242)');
    const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const pw = password.replace(/'/g, "''");
    if (exists.rowCount === 0) await c.query(`CREATE ROLE ${ident(role)} LOGIN PASSWORD '${pw}'`);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)} AUTHORIZATION ${ident(role)}`);
    await c.query(`ALTER ROLE ${ident(role)} SET search_path = ${ident(schema)}`);
    await c.query(`REVOKE ALL ON SCHEMA public FROM ${ident(role)}`);
    const db = (await c.query('SELECT current_database() AS db')).rows[0].db;
    await c.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO ${ident(role)}`);
  } finally {
    await c.query('SELECT pg_advisory_unlock(4242)').catch(() => undefined);
    await c.end();
  }
}

/** Connection string for a service role, derived from an admin/base one (same host and database). */
export function serviceDatabaseUrl(baseUrl: string, schema: string, password: string): string {
  const u = new URL(baseUrl);
  u.username = roleOf(schema);
  u.password = password;
  return u.toString();
}

/**
 * Applies the outbox/inbox migrations, then the service's own migrations (node-pg-migrate, SQL files). Replicas
 * of one service serialise on an advisory lock of their schema; different services (sharing a database) do not
 * wait for each other, which node-pg-migrate's own database-wide lock would make them do (or fail).
 */
export async function migrate(databaseUrl: string, schema: string, migrationsDir: string): Promise<string[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`SELECT pg_advisory_lock(hashtext($1))`, [`migrate:${schema}`]);
    await c.query(`SET search_path = ${ident(schema)}`);
    await migrateOutbox(c, schema);
    const ran = await runner({
      dbClient: c,
      dir: path.resolve(migrationsDir),
      direction: 'up',
      migrationsTable: 'pgmigrations',
      schema,
      migrationsSchema: schema,
      createSchema: false,
      createMigrationsSchema: false,
      checkOrder: true,
      noLock: true,
      count: Infinity,
      log: () => undefined,
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    return ran.map((m) => m.name);
  } finally {
    await c.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`migrate:${schema}`]).catch(() => undefined);
    await c.end();
  }
}
