import type { ClientBase, Pool, PoolClient, QueryConfig } from 'pg';
import { chainable, isPrepared, runChain, type Statement } from './chain';

/**
 * A transaction of withTransaction in progress on a client: its BEGIN, until it goes out with the first statement,
 * and the statements that go out with its COMMIT.
 */
interface Open {
  begin: string | undefined;
  atCommit: Statement[];
}

const open = new WeakMap<ClientBase, Open>();
const patched = new WeakSet<ClientBase>();

/**
 * Routes a client's queries through its open transaction: while the BEGIN has not gone out, the first statement
 * takes it along (one round trip for both); a statement that cannot be chained waits for the BEGIN alone, so nothing
 * ever runs before it. Installed once per pooled client; outside withTransaction a query goes straight to pg.
 */
function routeQueries(client: PoolClient): void {
  if (patched.has(client)) return;
  patched.add(client);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  Object.defineProperty(client, 'query', {
    configurable: true,
    writable: true,
    value: (config: unknown, values?: unknown, callback?: unknown) => {
      const t = open.get(client);
      if (!t?.begin) return query(config, values, callback);
      const begin = t.begin;
      t.begin = undefined;
      const first = callback === undefined ? chainable(client, config, values) : undefined;
      if (first) return runChain(client, [{ text: begin }, first], { resultOf: 1 });
      if (callback !== undefined || typeof (config as { submit?: unknown })?.submit === 'function')
        throw new TypeError('the first statement of a transaction must be a promise-style query');
      return (query(begin) as Promise<unknown>).then(() => query(config, values));
    },
  });
}

/**
 * Has `statement` run with the COMMIT of the transaction `tx` is in (withTransaction), in the same round trip; it
 * runs after everything else in the transaction, including beforeCommit work. For statements whose result nobody
 * reads (an outbox append): their failure fails the COMMIT, which never runs. Outside withTransaction (a client in a
 * transaction of its own), it runs now.
 */
export async function queryAtCommit(tx: ClientBase, statement: QueryConfig): Promise<void> {
  const t = open.get(tx);
  if (t) t.atCommit.push({ name: statement.name, text: statement.text, values: statement.values });
  else await tx.query(statement);
}

/**
 * Sends what is left of the transaction with its COMMIT, in one round trip where it can: a named statement not yet
 * parsed on this connection goes alone first (pg prepares it then; the next transaction chains it).
 */
async function commit(tx: PoolClient, t: Open): Promise<void> {
  if (t.begin !== undefined && t.atCommit.length === 0) return; // no statement ran: no transaction was opened
  const queued = t.begin !== undefined ? [{ text: t.begin }, ...t.atCommit] : t.atCommit;
  t.begin = undefined;
  let from = 0;
  for (let i = 0; i < queued.length; i++) {
    if (queued[i]!.name && !isPrepared(tx, queued[i]!)) {
      if (from < i) await runChain(tx, queued.slice(from, i));
      await tx.query(queued[i] as QueryConfig);
      from = i + 1;
    }
  }
  const rest = [...queued.slice(from), { text: 'COMMIT' }];
  await runChain(tx, rest, { commitAt: rest.length - 1 });
}

/**
 * Runs `fn` in a transaction on a pooled connection: `begin` (BEGIN, or BEGIN with its isolation and access mode),
 * then COMMIT, or ROLLBACK on any error (which is rethrown); the connection goes back to the pool either way.
 *
 * Round trips: the BEGIN goes out with the transaction's first statement and the statements of queryAtCommit with
 * the COMMIT, each pair in one round trip closed by one Sync (see chain.ts), so a transaction of n statements costs
 * n round trips, not n + 2. A failed statement stops the server before anything written after it in that round trip.
 */
export async function withTransaction<R>(pool: Pool, fn: (tx: PoolClient) => Promise<R>, begin = 'BEGIN'): Promise<R> {
  const tx = await pool.connect();
  routeQueries(tx);
  const t: Open = { begin, atCommit: [] };
  open.set(tx, t);
  try {
    const result = await fn(tx);
    await commit(tx, t);
    return result;
  } catch (err) {
    // A BEGIN still pending never went out: there is nothing to roll back.
    if (t.begin === undefined) await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    open.delete(tx);
    tx.release();
  }
}
