import type { Client } from 'pg';
import { ident } from './sql';

/**
 * Leadership of the relay, held by one database session. The lease is a row in the service's own schema (table
 * `relay_lease`) naming the session that holds it (backend pid + start time), so only roles with rights on that
 * schema can take it: unlike an advisory lock, which any role can take (and hold) on any key. A standby takes the
 * lease as soon as the holder's session is gone from pg_stat_activity: same take-over as a session lock, without an
 * open transaction (which would hold back vacuum for the whole cluster). Writes that only the leader may do are
 * fenced with `fence()`: they match nothing once another session holds the lease.
 */
export interface Lease {
  /** Takes the lease for `session` if it is free or its holder's session is gone; true if `session` holds it. */
  tryAcquire(session: Client): Promise<boolean>;
  /**
   * SQL condition that is true only while the session running the statement holds the lease; it locks the lease row
   * (FOR SHARE) so no take-over commits in between. `nameParam` is the placeholder bound to `name`, e.g. '$2';
   * `startedParam` the one bound to `started` (the session's identity is its pid and start time: a reused pid is
   * another session). Cheap: it reads the lease row and the session's own pid, not pg_stat_activity.
   */
  fence(nameParam: string, startedParam: string): string;
  /** The start time of the session that last took the lease through tryAcquire, as text (a parameter of fence). */
  readonly started: string | undefined;
  /** Gives the lease up (best effort; a closed session releases it anyway). */
  release(session: Client): Promise<void>;
  readonly name: string;
}

/** The relay's lease on `schema`'s outbox. */
export function outboxLease(schema: string, name = 'outbox-relay'): Lease {
  const t = `${ident(schema)}.relay_lease`;
  const me = `(SELECT a.pid, a.backend_start FROM pg_catalog.pg_stat_activity a WHERE a.pid = pg_catalog.pg_backend_pid())`;
  let started: string | undefined;
  return {
    name,
    get started() {
      return started;
    },
    async tryAcquire(session) {
      await session.query(`INSERT INTO ${t} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
      // A holder whose start time we cannot see (another role without pg_read_all_stats) counts as alive.
      const r = await session.query(
        `UPDATE ${t} l SET holder_pid = me.pid, holder_started = me.backend_start, acquired_at = pg_catalog.now(),
                epoch = l.epoch + CASE WHEN l.holder_pid = me.pid AND l.holder_started = me.backend_start THEN 0 ELSE 1 END
         FROM ${me} me
         WHERE l.name = $1
           AND (l.holder_pid IS NULL
                OR (l.holder_pid = me.pid AND l.holder_started = me.backend_start)
                OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                               WHERE a.pid = l.holder_pid
                                 AND (a.backend_start IS NULL OR a.backend_start = l.holder_started)))
         RETURNING l.epoch, l.holder_started::text AS started`,
        [name],
      );
      started = r.rows[0]?.started;
      return r.rowCount === 1;
    },
    fence(nameParam, startedParam) {
      return `EXISTS (SELECT 1 FROM ${t} l
                      WHERE l.name = ${nameParam} AND l.holder_pid = pg_catalog.pg_backend_pid()
                        AND l.holder_started = ${startedParam}::timestamptz
                      FOR SHARE OF l)`;
    },
    async release(session) {
      await session.query(
        `UPDATE ${t} SET holder_pid = NULL, holder_started = NULL WHERE name = $1 AND holder_pid = pg_catalog.pg_backend_pid()`,
        [name],
      );
    },
  };
}
