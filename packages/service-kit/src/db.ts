import path from 'node:path';
import { Client, Pool } from 'pg';
import { runner } from 'node-pg-migrate';
import { migrateOutbox, ident, SESSION_OPTIONS } from '@orderflow/outbox';
import { scramVerifier } from './secrets';

/**
 * A pool whose sessions resolve unqualified names in `schema` (the service's own), whatever role connects: with the
 * service role that is also its default, with an administrative role it keeps the service out of `public`. Its
 * prepared statements are planned for the tables as they are at each execution (SESSION_OPTIONS).
 */
export function createPool(connectionString: string, max: number, applicationName: string, schema?: string): Pool {
  const pool = new Pool({
    connectionString,
    max,
    application_name: applicationName,
    idleTimeoutMillis: 30000,
    options: schema ? `${SESSION_OPTIONS} -c search_path=${ident(schema)}` : SESSION_OPTIONS,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // pg-pool removes its error listener from a client while it is lent out: a connection terminated between two
  // queries of a transaction (pg_terminate_backend, failover) would be an uncaught 'error' event that kills the
  // process. With this listener the next query on it fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
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
 * Errors of a concurrent bootstrap that created or altered the same role, schema or grant first (PostgreSQL reports
 * a concurrent catalog update as XX000 "tuple concurrently updated"): run it again.
 */
const raced = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return (
    ['23505', '42710', '42P06', '40001', '40P01'].includes(e.code ?? '') || /concurrently updated/.test(e.message ?? '')
  );
};

/**
 * Creates (or updates) the service's database role and schema, with rights on that schema only. Runs with an
 * administrative connection: at deploy time, by `npm start`, or by the test harness. Every run sets the role's
 * password (as a SCRAM verifier computed here, so the clear text never reaches the server's log) and its attributes,
 * so the role matches what the service was given. Safe on PostgreSQL 13–17: the session's search_path is fixed to
 * pg_catalog (a service role cannot plant a function the superuser would call), every call is schema-qualified, and
 * PUBLIC loses CREATE on `public` (still granted before PostgreSQL 15). Concurrent bootstraps retry on the unique
 * violation the loser gets, rather than serialising on an advisory lock any role could hold.
 */
export async function bootstrapServiceDatabase(adminUrl: string, schema: string, password: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl, options: '-c search_path=pg_catalog,pg_temp' });
  await c.connect();
  try {
    await c.query(`SET search_path = pg_catalog, pg_temp`);
    await c.query(`SET password_encryption = 'scram-sha-256'`);
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query('BEGIN');
        await bootstrapStatements(c, schema, password);
        await c.query('COMMIT');
        return;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        if (attempt >= 8 || !raced(err)) throw err;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 100 * attempt));
      }
    }
  } finally {
    await c.end();
  }
}

async function bootstrapStatements(c: Client, schema: string, password: string): Promise<void> {
  const role = ident(roleOf(schema));
  const s = ident(schema);
  const exists = await c.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [roleOf(schema)]);
  const secret = /^[\x20-\x7e]+$/.test(password) ? scramVerifier(password) : password;
  const attrs = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(secret)}`;
  await c.query(exists.rowCount === 0 ? `CREATE ROLE ${role} ${attrs}` : `ALTER ROLE ${role} WITH ${attrs}`);
  await c.query(`CREATE SCHEMA IF NOT EXISTS ${s} AUTHORIZATION ${role}`);
  await c.query(`ALTER ROLE ${role} SET search_path = ${s}`);
  // Nobody but the owner creates objects in `public` (PostgreSQL 13/14 still grant it to PUBLIC).
  const p = await c.query(
    `SELECT pg_catalog.has_schema_privilege('public', 'public', 'CREATE') AS public_create,
            pg_catalog.has_database_privilege($1, pg_catalog.current_database(), 'CONNECT') AS role_connect,
            pg_catalog.current_database() AS db`,
    [roleOf(schema)],
  );
  const { public_create, role_connect, db } = p.rows[0];
  // Nobody but the owner creates objects in `public` (PostgreSQL 13/14 still grant it to PUBLIC). Only when needed:
  // concurrent GRANT/REVOKE on one object collide.
  if (public_create) await c.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  if (!role_connect) await c.query(`GRANT CONNECT ON DATABASE ${ident(db as string)} TO ${role}`);
}

/** A SQL string literal (standard_conforming_strings is on in every supported version). */
function literal(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
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
 * of one service serialise on a lock of their schema (holdMigrationLock); different services (sharing a database) do
 * not wait for each other, which node-pg-migrate's own database-wide lock would make them do (or fail).
 */
export async function migrate(databaseUrl: string, schema: string, migrationsDir: string): Promise<string[]> {
  const release = await holdMigrationLock(databaseUrl, schema);
  const c = new Client({ connectionString: databaseUrl });
  try {
    await c.connect();
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
    await c.end().catch(() => undefined);
    await release();
  }
}

/**
 * Locks `<schema>.migration_lock` in a transaction of a session of its own until released. A table lock needs rights
 * on the schema, so no other service's role can hold it to keep this one from starting (an advisory lock, which
 * any role can take, could).
 */
async function holdMigrationLock(databaseUrl: string, schema: string): Promise<() => Promise<void>> {
  const l = new Client({ connectionString: databaseUrl });
  l.on('error', () => undefined);
  await l.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await l.query(`CREATE TABLE IF NOT EXISTS ${ident(schema)}.migration_lock ()`);
        break;
      } catch (err) {
        if (attempt >= 5 || !raced(err)) throw err; // two replicas creating it at once
      }
    }
    await l.query('BEGIN');
    await l.query(`LOCK TABLE ${ident(schema)}.migration_lock IN EXCLUSIVE MODE`);
  } catch (err) {
    await l.end().catch(() => undefined);
    throw err;
  }
  return async () => {
    await l.query('COMMIT').catch(() => undefined);
    await l.end().catch(() => undefined);
  };
}
