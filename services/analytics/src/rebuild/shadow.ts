import { Client } from 'pg';
import { ident } from '@orderflow/outbox';
import { migrate } from '@orderflow/service-kit';

/**
 * The read model: what analytics derives from the topics and a rebuild replaces as a whole. The timeline (events)
 * says which events the model holds: its primary key is analytics' inbox. The inbox table is kept with the model
 * (empty since analytics stopped claiming it; rows from before stay with the model they describe). Listed in the
 * order the consumer writes them, which is the order a rebuild locks them in to stop writers without deadlocking
 * with them.
 */
export const READ_MODEL = ['inbox', 'events', 'orders'] as const;

/** The schema a rebuild builds its shadow read model in; after a switch it holds the model that was replaced. */
export const shadowSchemaOf = (schema: string): string => `${schema}_rebuild`;

export interface ShadowOptions {
  /** The service's own connection (its role owns the shadow's tables, so that a switch can move them). */
  databaseUrl: string;
  /** An administrative connection, needed only to create the shadow schema the first time. */
  adminUrl?: string | undefined;
  schema: string;
  migrationsDir: string;
}

/**
 * Gives the shadow schema an empty read model: creates the schema (owned by whoever owns the live tables) if it is
 * not there, drops whatever an earlier rebuild left in it (the model a switch retired, or a failed rebuild's
 * half-built copy) and runs the service's migrations there. Never touches the live schema.
 */
export async function prepareShadow(o: ShadowOptions): Promise<string> {
  const shadow = shadowSchemaOf(o.schema);
  await withClient(o.adminUrl ?? o.databaseUrl, async (c) => {
    const owner = await c.query<{ owner: string }>(
      `SELECT tableowner AS owner FROM pg_tables WHERE schemaname = $1 AND tablename = 'orders'`,
      [o.schema],
    );
    if (!owner.rows[0]) throw new Error(`schema ${o.schema} has no analytics read model: is DB_SCHEMA right?`);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(shadow)} AUTHORIZATION ${ident(owner.rows[0].owner)}`);
  });
  await withClient(o.databaseUrl, async (c) => {
    const { rows } = await c.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1`, [
      shadow,
    ]);
    if (rows.length)
      await c.query(`DROP TABLE ${rows.map((r) => `${ident(shadow)}.${ident(r.t)}`).join(', ')} CASCADE`);
  });
  await migrate(o.databaseUrl, shadow, o.migrationsDir);
  return shadow;
}

export async function withClient<R>(url: string, fn: (c: Client) => Promise<R>): Promise<R> {
  const c = new Client({ connectionString: url, application_name: 'analytics-rebuild' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
