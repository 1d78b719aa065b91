import type { ClientBase, Pool } from 'pg';
import { ident } from '@orderflow/outbox';
import { diffModels, type ModelDiff } from './diff';
import { READ_MODEL } from './shadow';

export interface SwitchOptions {
  /** Connections of the service (the role that owns both models). */
  pool: Pool;
  live: string;
  shadow: string;
  /** Stops the shadow's consumer (finishes its in-flight batch); called once the shadow covers the live model. */
  stopShadow: () => Promise<void>;
  /** Called in the switch's transaction, after the swap: the place to record the outcome atomically with it. */
  onSwitched: (tx: ClientBase, diff: ModelDiff) => Promise<void>;
  /** How long live writers may be held while the shadow catches up with the last few events. @default 5000 */
  holdMs?: number;
  /** @default 20 */
  attempts?: number;
  /** Writers are held only once the shadow lacks at most this many of the live model's events. @default 200 */
  nearlyLevel?: number;
}

export interface SwitchOutcome {
  diff: ModelDiff;
  /** Tries it took (a try gives up when the shadow cannot catch up while writers are held). */
  attempts: number;
  /** How long the live model's writers were held (reads were not). */
  heldMs: number;
}

/**
 * Live events the shadow does not have yet (an anti-join on the timelines' primary keys, (order_id, event_id):
 * analytics' inbox; see the service definition).
 */
const uncovered = async (c: Pick<ClientBase, 'query'> | Pool, live: string, shadow: string) =>
  Number(
    (
      await (c as ClientBase).query(
        `SELECT count(*) AS n FROM ${ident(live)}.events l
         WHERE NOT EXISTS (SELECT 1 FROM ${ident(shadow)}.events s WHERE s.order_id = l.order_id AND s.event_id = l.event_id)`,
      )
    ).rows[0].n,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes the shadow the live read model, atomically, while the live service keeps consuming and serving:
 *  1. writers of the live model are held (EXCLUSIVE locks: reads go on) until the shadow has every event the live
 *     model has — it was consuming all along, so that is the last few records;
 *  2. the shadow's consumer stops, the models are compared (both at rest now);
 *  3. the tables trade schemas in the same transaction (ACCESS EXCLUSIVE for a moment: a reader sees the old model
 *     or the new one, never a mix). A held writer then proceeds on the new tables, where the timeline already
 *     holds what the shadow read: nothing is counted twice, and nothing the live model had is missing.
 * The replaced model stays in the shadow schema until the next rebuild. If the shadow cannot catch up while
 * writers are held, the transaction rolls back (nothing changed) and it tries again.
 */
export async function switchOver(o: SwitchOptions): Promise<SwitchOutcome> {
  const holdMs = o.holdMs ?? 5000;
  for (let attempt = 1; attempt <= (o.attempts ?? 20); attempt++) {
    // Without holding anything, wait until the shadow is nearly level with the live model.
    const until = Date.now() + 30000;
    while ((await uncovered(o.pool, o.live, o.shadow)) > (o.nearlyLevel ?? 200) && Date.now() < until) await sleep(200);
    const c = await o.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL lock_timeout = '${holdMs}ms'`);
      await c.query(`LOCK TABLE ${READ_MODEL.map((t) => `${ident(o.live)}.${ident(t)}`).join(', ')} IN EXCLUSIVE MODE`);
      const heldAt = Date.now();
      const deadline = heldAt + holdMs;
      let missing = await uncovered(c, o.live, o.shadow);
      while (missing > 0 && Date.now() < deadline) {
        await sleep(100);
        missing = await uncovered(c, o.live, o.shadow);
      }
      if (missing > 0) {
        await c.query('ROLLBACK');
        continue;
      }
      await o.stopShadow();
      const diff = await diffModels(c, o.live, o.shadow);
      // Readers take orders before events (summary, timeline): lock in their order.
      const readersOrder = [...READ_MODEL].reverse();
      await c.query(
        `LOCK TABLE ${readersOrder.map((t) => `${ident(o.live)}.${ident(t)}`).join(', ')} IN ACCESS EXCLUSIVE MODE`,
      );
      await swapTables(c, o.live, o.shadow);
      await o.onSwitched(c, diff);
      await c.query('COMMIT');
      return { diff, attempts: attempt, heldMs: Date.now() - heldAt };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
  throw new Error('the shadow read model could not catch up with the live one while its writers were held');
}

/**
 * Trades the read model's tables between the two schemas. Index names are unique per schema, so the incoming
 * tables and their indexes take a temporary suffix while both sets pass each other.
 */
async function swapTables(c: ClientBase, live: string, shadow: string): Promise<void> {
  const suffix = '__incoming';
  const indexesOf = async (schema: string, table: string) =>
    (
      await c.query<{ i: string }>(`SELECT indexname AS i FROM pg_indexes WHERE schemaname = $1 AND tablename = $2`, [
        schema,
        table,
      ])
    ).rows.map((r) => r.i);
  const [L, S] = [ident(live), ident(shadow)];
  for (const t of READ_MODEL) {
    for (const i of await indexesOf(shadow, t))
      await c.query(`ALTER INDEX ${S}.${ident(i)} RENAME TO ${ident(i + suffix)}`);
    await c.query(`ALTER TABLE ${S}.${ident(t)} RENAME TO ${ident(t + suffix)}`);
  }
  for (const t of READ_MODEL) await c.query(`ALTER TABLE ${L}.${ident(t)} SET SCHEMA ${S}`);
  for (const t of READ_MODEL) {
    await c.query(`ALTER TABLE ${S}.${ident(t + suffix)} SET SCHEMA ${L}`);
    await c.query(`ALTER TABLE ${L}.${ident(t + suffix)} RENAME TO ${ident(t)}`);
    for (const i of await indexesOf(live, t)) {
      if (i.endsWith(suffix))
        await c.query(`ALTER INDEX ${L}.${ident(i)} RENAME TO ${ident(i.slice(0, -suffix.length))}`);
    }
  }
}
