import { Pool } from 'pg';
import { discardParked, listParked, retryParked, type ParkedRow } from '@orderflow/outbox';
import { dbSchemaOf } from '@orderflow/service-kit';
import { SERVICES } from './setup';

export interface OutboxOpsOptions {
  /** An administrative connection (or the service's own role) to the platform's database. */
  databaseUrl: string;
  service: string;
}

function schemaFor(service: string): string {
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new Error(`unknown service '${service}'; one of ${SERVICES.join(', ')}`);
  }
  return dbSchemaOf(service);
}

async function withPool<T>(url: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** The rows a service's relay parked because the broker refused them for good. */
export function listParkedRows(o: OutboxOpsOptions): Promise<ParkedRow[]> {
  return withPool(o.databaseUrl, (pool) => listParked(pool, schemaFor(o.service)));
}

/** Puts a parked row back in line (retry) or gives it up (discard); the rows held behind it then flow. */
export function resolveParkedRow(o: OutboxOpsOptions & { id: string; action: 'retry' | 'discard' }) {
  return withPool(o.databaseUrl, async (pool) => {
    const schema = schemaFor(o.service);
    const done = o.action === 'retry' ? await retryParked(pool, schema, o.id) : await discardParked(pool, schema, o.id);
    if (!done) throw new Error(`no parked row ${o.id} in ${o.service}'s outbox`);
    return { service: o.service, id: o.id, action: o.action };
  });
}
