/**
 * Typed errors shared by every package and service. The consumer runner decides between retry and dead-letter from
 * `retriable`, never from message text.
 */
export abstract class OrderflowError extends Error {
  /** true: the same input may succeed later (broker or database away, timeout); false: it never will. */
  abstract readonly retriable: boolean;
  /** Short machine-readable code, e.g. 'UNKNOWN_SCHEMA'; goes into dead-letter headers and logs. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A transient failure: retry with backoff. */
export class TransientError extends OrderflowError {
  readonly retriable = true;
  constructor(
    message: string,
    readonly code = 'TRANSIENT',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Input that can never be processed: dead-letter it and move on. */
export class PermanentError extends OrderflowError {
  readonly retriable = false;
  constructor(
    message: string,
    readonly code = 'PERMANENT',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bytes that are not a Confluent wire-format Avro record of the expected type. */
export class MalformedMessageError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MALFORMED_MESSAGE', options);
  }
}

/** The record names a schema id the registry does not know. */
export class UnknownSchemaError extends PermanentError {
  constructor(
    readonly schemaId: number,
    options?: { cause?: unknown },
  ) {
    super(`schema id ${schemaId} is not known to the registry`, 'UNKNOWN_SCHEMA', options);
  }
}

/** A payload that decodes but breaks the contract (e.g. a writer schema that cannot resolve to the reader's). */
export class ContractViolationError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CONTRACT_VIOLATION', options);
  }
}

/** A configuration problem found at start-up. Not retriable: fix the environment. */
export class ConfigError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CONFIG', options);
  }
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * How worth retrying a thrown value is. Typed errors say so themselves; connection failures and PostgreSQL's
 * transient classes (08 connection, 40001 serialization, 40P01 deadlock, 53 resources, 57P0x shutdown) are
 * retriable; anything else is 'unknown' (a bug, most likely), which callers retry a bounded number of times.
 */
export function retriability(err: unknown): 'retriable' | 'permanent' | 'unknown' {
  if (err instanceof OrderflowError) return err.retriable ? 'retriable' : 'permanent';
  const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
  if (TRANSIENT_CODES.has(code)) return 'retriable';
  if (/^(08|53|57P0)/.test(code) || code === '40001' || code === '40P01') return 'retriable';
  if (
    err instanceof Error &&
    /Connection terminated|timeout exceeded|Client has encountered a connection error/i.test(err.message)
  ) {
    return 'retriable';
  }
  return 'unknown';
}

export function isRetriable(err: unknown): boolean {
  return retriability(err) !== 'permanent';
}

/** The error's code for headers and logs. */
export function errorCode(err: unknown): string {
  if (err instanceof OrderflowError) return err.code;
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return 'UNEXPECTED';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
