import { Client } from 'pg';
import { ident } from '@orderflow/outbox';

/** What a replay empties: everything analytics derived from Kafka, and the inbox that remembers what it consumed. */
export const DERIVED_TABLES = ['events', 'orders', 'inbox'] as const;

/**
 * Empties the derived tables in one statement. Qualified with the schema on purpose: this is the destructive
 * operation, it must not depend on the connection's search_path.
 */
export async function truncateDerived(databaseUrl: string, schema: string): Promise<string[]> {
  const c = new Client({ connectionString: databaseUrl, application_name: 'analytics-replay' });
  await c.connect();
  try {
    const tables = DERIVED_TABLES.map((t) => `${ident(schema)}.${ident(t)}`);
    await c.query(`TRUNCATE ${tables.join(', ')}`);
    return tables;
  } finally {
    await c.end();
  }
}
