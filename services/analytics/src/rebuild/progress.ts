import type { ClientBase, Pool } from 'pg';
import type { ModelDiff } from './diff';

export type RebuildStatus = 'running' | 'switching' | 'switched' | 'failed' | 'abandoned';

/** A rebuild as the CLI and the dashboard show it. */
export interface RebuildProgress {
  id: number;
  status: RebuildStatus;
  groupId: string;
  shadowSchema: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Records up to the offsets the live group had committed when the rebuild started. */
  target: number;
  /** Of those, how many the shadow has consumed (and committed). */
  consumed: number;
  /** consumed / target, 0..1 (1 when there was nothing to read). */
  fraction: number;
  diff: ModelDiff | null;
  error: string | null;
}

type Db = Pick<ClientBase, 'query'> | Pool;
const q = (db: Db) => (db as ClientBase).query.bind(db);

export async function startRebuild(db: Db, groupId: string, shadowSchema: string, target: number): Promise<number> {
  // A rebuild whose process died is left 'running'; the advisory lock says it is not, so it is marked abandoned.
  await q(db)(`UPDATE rebuilds SET status = 'abandoned', updated_at = now() WHERE status IN ('running', 'switching')`);
  const r = await q(db)(
    `INSERT INTO rebuilds (status, group_id, shadow_schema, target) VALUES ('running', $1, $2, $3) RETURNING id`,
    [groupId, shadowSchema, target],
  );
  return Number(r.rows[0].id);
}

export async function updateRebuild(
  db: Db,
  id: number,
  fields: { status?: RebuildStatus; consumed?: number; diff?: ModelDiff; error?: string },
): Promise<void> {
  const done = fields.status && fields.status !== 'running' && fields.status !== 'switching';
  await q(db)(
    `UPDATE rebuilds SET status = COALESCE($2, status), consumed = COALESCE($3, consumed), diff = COALESCE($4, diff),
            error = COALESCE($5, error), updated_at = now()${done ? ', finished_at = now()' : ''}
     WHERE id = $1`,
    [
      id,
      fields.status ?? null,
      fields.consumed ?? null,
      fields.diff ? JSON.stringify(fields.diff) : null,
      fields.error ?? null,
    ],
  );
}

/** The latest rebuild, if any. */
export async function latestRebuild(db: Db): Promise<RebuildProgress | undefined> {
  const { rows } = await q(db)(`SELECT * FROM rebuilds ORDER BY id DESC LIMIT 1`);
  const r = rows[0];
  if (!r) return undefined;
  const [target, consumed] = [Number(r.target), Number(r.consumed)];
  return {
    id: Number(r.id),
    status: r.status as RebuildStatus,
    groupId: r.group_id as string,
    shadowSchema: r.shadow_schema as string,
    startedAt: (r.started_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
    finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
    target,
    consumed,
    fraction: target === 0 ? 1 : Math.min(1, consumed / target),
    diff: (r.diff as ModelDiff | null) ?? null,
    error: (r.error as string | null) ?? null,
  };
}
