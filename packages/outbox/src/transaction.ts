import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in a transaction on a pooled connection: `begin` (BEGIN, or BEGIN with its isolation and access mode),
 * then COMMIT, or ROLLBACK on any error (which is rethrown); the connection goes back to the pool either way.
 */
export async function withTransaction<R>(pool: Pool, fn: (tx: PoolClient) => Promise<R>, begin = 'BEGIN'): Promise<R> {
  const tx = await pool.connect();
  try {
    await tx.query(begin);
    const result = await fn(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}
