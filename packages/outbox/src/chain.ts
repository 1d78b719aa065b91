import type { ClientBase, QueryConfig, QueryResult } from 'pg';
import { TransientError } from '@orderflow/errors';
import Result from 'pg/lib/result';
import { prepareValue } from 'pg/lib/utils';

/** One statement of a chain: a prepared one by name (parsed on this connection already), or text parsed in place. */
export interface Statement {
  name?: string;
  text: string;
  values?: readonly unknown[];
}

/** The connection API of node-postgres that a chain writes to (pg's Connection, not in its type declarations). */
interface Wire {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string>;
  parse(m: { text: string; name: string }): void;
  bind(m: { portal: string; statement: string; values: readonly unknown[]; valueMapper: unknown }): void;
  describe(m: { type: 'P'; name: string }): void;
  execute(m: { portal: string; rows: number }): void;
  sync(): void;
}

/**
 * A COMMIT came back as ROLLBACK: a statement of the transaction had failed and its error was caught. Nothing of the
 * transaction took effect, so running it again is safe.
 */
export class TransactionAbortedError extends TransientError {
  constructor() {
    super(
      'COMMIT rolled back: a statement of this transaction failed before it (its error was caught and ignored)',
      'TRANSACTION_ABORTED',
    );
  }
}

/**
 * Statements sent in ONE round trip: written together and closed by a single Sync, so the server reads them at once,
 * runs them in order and answers once. A failing statement makes the server skip the rest up to the Sync: nothing
 * after a failed BEGIN or statement runs, and a COMMIT after a failed statement is never reached. The results of one
 * statement (`resultOf`) are returned; `commitAt` is the index of a COMMIT whose answer is checked (ROLLBACK means the
 * transaction had already failed).
 *
 * A node-postgres Submittable: the client hands it the backend's messages of this round trip. Named statements must
 * be parsed on the connection already (see `chainable`); unnamed ones are parsed in place, as pg does for a query
 * without a name, so no prepared-statement bookkeeping of pg's changes.
 */
class Chain {
  callback: ((err: Error | null, res?: QueryResult) => void) | undefined;
  /** pg's client gives it the connection's type parsers (Client#query sets `_result._types` when absent). */
  readonly _result = new Result();
  /** Index of the statement whose messages arrive now. */
  private at = 0;
  private failure: Error | undefined;
  private done = false;

  constructor(
    private readonly statements: readonly Statement[],
    private readonly resultOf: number,
    private readonly commitAt: number,
  ) {}

  submit(connection: Wire): null {
    connection.stream.cork?.();
    try {
      this.statements.forEach((s, i) => {
        if (!s.name) connection.parse({ text: s.text, name: '' });
        connection.bind({ portal: '', statement: s.name ?? '', values: s.values ?? [], valueMapper: prepareValue });
        if (i === this.resultOf) connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      });
    } catch (err) {
      // A value that cannot be serialised (pg's prepareValue threw): what was written runs up to the Sync, and
      // the error is reported when the server has answered, so the connection stays in step.
      this.failure = err as Error;
    } finally {
      connection.sync();
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: unknown[] }): void {
    this._result.addFields(msg.fields);
  }

  handleDataRow(msg: { fields: unknown[] }): void {
    if (this.at !== this.resultOf || this.failure) return;
    try {
      this._result.addRow(this._result.parseRow(msg.fields));
    } catch (err) {
      this.failure = err as Error;
    }
  }

  handleCommandComplete(msg: { text: string }): void {
    if (this.at === this.resultOf) this._result.addCommandComplete(msg);
    if (this.at === this.commitAt && msg.text !== 'COMMIT') this.failure ??= new TransactionAbortedError();
    this.at += 1;
  }

  handleEmptyQuery(): void {
    this.at += 1;
  }

  handlePortalSuspended(): void {
    // rows: 0 asks for every row; a portal is never suspended.
  }

  handleCopyInResponse(connection: { sendCopyFail(msg: string): void }): void {
    connection.sendCopyFail('COPY is not supported in a statement chain');
  }

  handleCopyData(): void {}

  /** The server's error (the client stops routing this round trip's messages here) or a dead connection. */
  handleError(err: Error): void {
    this.finish(err);
  }

  handleReadyForQuery(): void {
    this.finish(this.failure ?? null);
  }

  private finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.callback?.(err, err ? undefined : (this._result as unknown as QueryResult));
  }
}

/** Runs `statements` in one round trip on `client`; resolves to the result of `statements[resultOf]`. */
export function runChain(
  client: ClientBase,
  statements: readonly Statement[],
  { resultOf = -1, commitAt = -1 }: { resultOf?: number; commitAt?: number } = {},
): Promise<QueryResult> {
  const chain = new Chain(statements, resultOf, commitAt);
  return new Promise((resolve, reject) => {
    chain.callback = (err, res) => (err ? reject(err) : resolve(res!));
    client.query(chain as never);
  });
}

/** The connection of a pg client (an internal field of pg's Client). */
const wireOf = (client: ClientBase) => (client as unknown as { connection: Wire }).connection;

/**
 * A promise-style query that pg would send with the extended protocol (it has values or a name) as a chain
 * statement; undefined for what a chain cannot carry: text without values (pg sends it as a simple query, which may
 * hold several statements), a callback, a Submittable (cursors, streams), row modes, binary results, custom types,
 * or a named statement this connection has not parsed yet (the first run of a named statement goes alone, as pg
 * sends it, and pg records it; later runs can be chained).
 */
export function chainable(client: ClientBase, config: unknown, values: unknown): Statement | undefined {
  if (typeof values === 'function') return undefined;
  const extended = (vals: unknown, name?: string) => (Array.isArray(vals) && vals.length > 0) || !!name;
  if (typeof config === 'string') return extended(values) ? { text: config, values: values as unknown[] } : undefined;
  if (typeof config !== 'object' || config === null) return undefined;
  const c = config as QueryConfig & { submit?: unknown; callback?: unknown; rowMode?: unknown; binary?: unknown };
  if (c.submit || c.callback || c.rowMode || c.binary || c.types || typeof c.text !== 'string') return undefined;
  const vals = values ?? c.values;
  if (!extended(vals, c.name) || (vals !== undefined && !Array.isArray(vals))) return undefined;
  if (c.name && !isPrepared(client, { name: c.name, text: c.text })) return undefined;
  return { name: c.name, text: c.text, values: vals as unknown[] | undefined };
}

/** Whether this connection has parsed `s` under its name already (pg records it once the server confirms it). */
export function isPrepared(client: ClientBase, s: Statement): boolean {
  return s.name !== undefined && wireOf(client).parsedStatements[s.name] === s.text;
}
