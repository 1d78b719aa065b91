/**
 * PostgreSQL's own counts for one database: statements (pg_stat_statements `calls`) and commits (pg_stat_database
 * `xact_commit`). The bench's own queries are left out: statements by a marker comment at their start (the view
 * keeps a statement's first text), commits by counting them here. WAL (pg_stat_wal) is the server's: every row
 * version, index entry and commit written, wherever the statements came from.
 */
import { Client } from 'pg';

/** Marker of the bench's own statements, so that a statement count holds only the measured work. */
export const BENCH_MARK = '/* bench */';

export interface PgCounters {
  /** Statement executions in the database; null without pg_stat_statements. */
  statements: number | null;
  commits: number;
  /** Entries pg_stat_statements evicted so far (pg_stat_statements.max): when it moves, statement counts are low. */
  evictions: number | null;
  /**
   * WAL records and bytes the whole server wrote (pg_stat_wal, PostgreSQL 14+; null before): the write work the
   * statements did, which unlike their number does not shrink when more rows share a statement.
   */
  walRecords: number | null;
  walBytes: number | null;
  /**
   * Of those, full-page images: a page's first change after a checkpoint is logged whole (full_page_writes), so
   * WAL bytes per order jump in a phase a checkpoint fell into while the records do not.
   */
  walFullPages: number | null;
}

/** An administrative session on the measured database that reads its counters and runs the bench's queries. */
export class StatsDb {
  private readonly client: Client;
  private ownCommits = 0;
  private statementsAvailable = false;

  constructor(
    url: string,
    readonly database: string,
  ) {
    this.client = new Client({ connectionString: url });
  }

  /** Connects; pg_stat_statements is created in this database if the server preloads it (null counts otherwise). */
  async open(): Promise<void> {
    await this.client.connect();
    this.statementsAvailable = await this.client
      .query(`${BENCH_MARK} CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
      .then(() => this.client.query(`${BENCH_MARK} SELECT 1 FROM pg_stat_statements LIMIT 1`))
      .then(() => true)
      .catch(() => false);
    this.ownCommits += 2;
  }

  get hasStatements(): boolean {
    return this.statementsAvailable;
  }

  /** A query of the bench's (one autocommit transaction): marked and counted so the figures leave it out. */
  async query<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    this.ownCommits += 1;
    return (await this.client.query(`${BENCH_MARK} ${sql}`, values)).rows as R[];
  }

  async counters(): Promise<PgCounters> {
    const [db] = await this.query<{ commits: string }>(
      'SELECT xact_commit::text AS commits FROM pg_stat_database WHERE datname = $1',
      [this.database],
    );
    const commits = Number(db?.commits ?? 0) - this.ownCommits;
    const wal = await this.wal();
    if (!this.statementsAvailable) return { statements: null, commits, evictions: null, ...wal };
    const [s] = await this.query<{ calls: string; dealloc: string | null }>(
      `SELECT coalesce(sum(calls), 0)::text AS calls,
              (SELECT dealloc::text FROM pg_stat_statements_info) AS dealloc
       FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND query NOT LIKE $2`,
      [this.database, `${BENCH_MARK}%`],
    );
    return {
      statements: Number(s?.calls ?? 0),
      commits,
      evictions: s?.dealloc == null ? null : Number(s.dealloc),
      ...wal,
    };
  }

  private async wal(): Promise<Pick<PgCounters, 'walRecords' | 'walBytes' | 'walFullPages'>> {
    const rows = await this.query<{ records: string; bytes: string; fpi: string }>(
      'SELECT wal_records::text AS records, wal_bytes::text AS bytes, wal_fpi::text AS fpi FROM pg_stat_wal',
    ).catch(() => []);
    const w = rows[0];
    return w
      ? { walRecords: Number(w.records), walBytes: Number(w.bytes), walFullPages: Number(w.fpi) }
      : { walRecords: null, walBytes: null, walFullPages: null };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** What happened between two readings. */
export function counterDelta(a: PgCounters, b: PgCounters): PgCounters {
  const minus = (k: Exclude<keyof PgCounters, 'commits'>) => (a[k] === null || b[k] === null ? null : b[k] - a[k]);
  return {
    statements: minus('statements'),
    commits: b.commits - a.commits,
    evictions: minus('evictions'),
    walRecords: minus('walRecords'),
    walBytes: minus('walBytes'),
    walFullPages: minus('walFullPages'),
  };
}
