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
 * PostgreSQL SQLSTATEs that say the database (or our access to it) is unwell, not that the input is bad: connection
 * (08), insufficient resources (53), operator intervention and shutdown (57: admin shutdown, crash shutdown, cannot
 * connect now, query cancelled), system errors (58), invalid authorization (28), insufficient privilege (42501: a
 * revoked grant), read-only transaction (25006: a replica after failover), lock not available (55P03), serialization
 * failure (40001) and deadlock (40P01), undefined table/schema (42P01, 3F000: a migration that has not run).
 * Retrying them is always safe (the transaction rolled back) and they heal when the infrastructure does, so the
 * consumer retries them patiently and never dead-letters the record.
 */
const INFRA_SQLSTATE = /^(08|53|57|58|28)|^(42501|25006|55P03|40001|40P01|42P01|3F000|3D000)$/;

/** What a failure says about the record that caused it. */
export type FailureKind = 'retriable' | 'permanent' | 'unknown';

/** The error's class for metrics and for the consumer's patience. */
export interface Classification {
  kind: FailureKind;
  /** true: the infrastructure (database, broker, network) failed, not the record: retry without a budget, alert. */
  infrastructure: boolean;
}

/**
 * Classifies a thrown value. Typed errors say so themselves; PostgreSQL errors by SQLSTATE (see INFRA_SQLSTATE);
 * kafkajs errors by their own `retriable` flag (a broker error that is not retriable, e.g. a record too large, is
 * permanent); connection failures are infrastructure. Anything else is 'unknown' (a bug, most likely), which callers
 * retry a bounded number of times.
 */
export function classify(err: unknown): Classification {
  if (err instanceof OrderflowError) {
    const cause = err.cause === undefined ? undefined : classify(err.cause);
    return {
      kind: err.retriable ? 'retriable' : 'permanent',
      infrastructure: err.retriable && !!cause?.infrastructure,
    };
  }
  const e = (err && typeof err === 'object' ? err : {}) as { code?: unknown; name?: unknown; retriable?: unknown };
  const code = e.code === undefined ? '' : String(e.code);
  if (TRANSIENT_CODES.has(code)) return { kind: 'retriable', infrastructure: true };
  if (INFRA_SQLSTATE.test(code)) return { kind: 'retriable', infrastructure: true };
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS')) {
    return e.retriable === false && !/Connection|Broker|Coordinator|Timeout|Request/i.test(e.name)
      ? { kind: 'permanent', infrastructure: false }
      : { kind: 'retriable', infrastructure: true };
  }
  if (
    err instanceof Error &&
    /Connection terminated|timeout exceeded|Client has encountered a connection error|Connection refused/i.test(
      err.message,
    )
  ) {
    return { kind: 'retriable', infrastructure: true };
  }
  return { kind: 'unknown', infrastructure: false };
}

/**
 * How worth retrying a thrown value is (see classify): 'retriable' for transient and infrastructure failures,
 * 'permanent' for input that can never be processed, 'unknown' otherwise.
 */
export function retriability(err: unknown): FailureKind {
  return classify(err).kind;
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
