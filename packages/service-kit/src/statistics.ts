import type { Pool } from 'pg';
import { ident, withTransaction } from '@orderflow/outbox';
import type { BackgroundTask } from './definition';
import type { Logger } from './logger';
import { periodicTask } from './periodic';

/**
 * The tables of `schema` that changed by more than autovacuum's default analyze threshold (50 rows plus 10 % of the
 * table) since their statistics were last gathered.
 */
const STALE_TABLES = `
  SELECT relname FROM pg_stat_user_tables
  WHERE schemaname = $1 AND n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)
  ORDER BY relname`;

/**
 * Rows sampled per table: 300 × this. The plans at stake choose between an index walk and a scan of a queue table,
 * for which row counts and coarse histograms are enough; PostgreSQL's default (100: 30,000 rows) cost 80–430 ms per
 * table and run in the benchmark, a tenth of PostgreSQL's time.
 */
const STATISTICS_TARGET = 10;

/** Gathers statistics (ANALYZE) of the schema's tables that changed enough since their last; returns their names. */
export async function analyzeStaleTables(pool: Pool, schema: string): Promise<string[]> {
  const stale = (await pool.query<{ relname: string }>(STALE_TABLES, [schema])).rows.map((r) => r.relname);
  if (stale.length === 0) return stale;
  // One transaction for the smaller sample (SET LOCAL); ANALYZE takes no lock that writers wait for.
  await withTransaction(pool, async (c) => {
    await c.query(`SET LOCAL default_statistics_target = ${STATISTICS_TARGET}`);
    for (const table of stale) await c.query(`ANALYZE ${ident(schema)}.${ident(table)}`);
  });
  return stale;
}

/**
 * Keeps the planner's statistics of the service's own tables fresh, as autovacuum's analyze would, whether or not
 * the cluster runs autovacuum (or runs it late): the platform's queue tables start empty and grow by thousands of
 * rows a minute, and a plan costed for an empty table is wrong for a full one. Measured in the benchmark, with
 * autovacuum off: the notification worker's claim, planned for the table as created (about ten rows), read and
 * sorted every pending mail to take twenty — 3 to 22 ms per claim, growing with the backlog — where with
 * statistics it walks the due index and stops after twenty (0.6 ms). The service owns its tables, so its own role
 * may analyze them.
 */
export function tableStatisticsTask(pool: Pool, schema: string, intervalMs: number, log: Logger): BackgroundTask {
  return periodicTask({
    name: 'table-statistics',
    intervalMs,
    log,
    run: async () => {
      const analyzed = await analyzeStaleTables(pool, schema);
      if (analyzed.length) log.debug({ analyzed }, 'table statistics gathered');
      return { analyzed };
    },
  });
}
