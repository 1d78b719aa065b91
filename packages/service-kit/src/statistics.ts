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
 * The tables of `schema` with more dead row versions than autovacuum's default vacuum threshold (50 rows plus 20 % of
 * the table), or more rows inserted since their last vacuum than its insert threshold (1,000 rows plus 20 %).
 */
const DEAD_TABLES = `
  SELECT relname FROM pg_stat_user_tables
  WHERE schemaname = $1
    AND (n_dead_tup > 50 + 0.2 * greatest(n_live_tup, 0) OR n_ins_since_vacuum > 1000 + 0.2 * greatest(n_live_tup, 0))
  ORDER BY relname`;

/** Whether the cluster's autovacuum runs: it is on, and so is the row counting it works from. */
export async function autovacuumRuns(pool: Pool): Promise<boolean> {
  const r = await pool.query<{ runs: boolean }>(
    `SELECT current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS runs`,
  );
  return r.rows[0]?.runs === true;
}

/**
 * Vacuums the schema's tables past autovacuum's thresholds (see DEAD_TABLES); returns their names. SKIP_LOCKED: a
 * table another replica (or anyone) is vacuuming is left to them. Outside a transaction, as VACUUM must be.
 */
export async function vacuumDeadTables(pool: Pool, schema: string): Promise<string[]> {
  const dead = (await pool.query<{ relname: string }>(DEAD_TABLES, [schema])).rows.map((r) => r.relname);
  for (const table of dead) await pool.query(`VACUUM (SKIP_LOCKED) ${ident(schema)}.${ident(table)}`);
  return dead;
}

/**
 * Keeps the planner's statistics of the service's own tables fresh, as autovacuum's analyze would, whether or not
 * the cluster runs autovacuum (or runs it late): the platform's queue tables start empty and grow by thousands of
 * rows a minute, and a plan costed for an empty table is wrong for a full one. Measured in the benchmark, with
 * autovacuum off: the notification worker's claim, planned for the table as created (about ten rows), read and
 * sorted every pending mail to take twenty — 3 to 22 ms per claim, growing with the backlog — where with
 * statistics it walks the due index and stops after twenty (0.6 ms). The service owns its tables, so its own role
 * may analyze them.
 *
 * Where the cluster's autovacuum does not run, it also vacuums them, at autovacuum's thresholds. Without it, every
 * row that leaves a queue (a mail sent, an outbox row published) stays in the queue's partial index as a dead entry,
 * and every claim and backlog count walks them all, fetching each one's row: measured in the benchmark, the
 * notification worker's claim took 3.2 ms per call after 200,000 orders, and a count of the pending mails 100 ms.
 */
export function tableStatisticsTask(pool: Pool, schema: string, intervalMs: number, log: Logger): BackgroundTask {
  let vacuums: boolean | undefined;
  return periodicTask({
    name: 'table-statistics',
    intervalMs,
    log,
    run: async () => {
      const analyzed = await analyzeStaleTables(pool, schema);
      vacuums ??= !(await autovacuumRuns(pool));
      const vacuumed = vacuums ? await vacuumDeadTables(pool, schema) : [];
      if (analyzed.length || vacuumed.length) log.debug({ analyzed, vacuumed }, 'table statistics gathered');
      return { analyzed, vacuumed };
    },
  });
}
