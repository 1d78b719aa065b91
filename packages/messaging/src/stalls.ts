import { errorCode, errorMessage, type FailureKind } from '@orderflow/errors';
import type { InboundMessage } from './types';

/** A partition whose next record keeps failing, for readiness detail and metrics. */
export interface StalledPartition {
  topic: string;
  partition: number;
  offset: string;
  attempts: number;
  /** When the first attempt failed (ISO 8601). */
  since: string;
  code: string;
  error: string;
  /** When the partition is tried again (ISO 8601). */
  retryAt?: string;
}

interface Failure {
  attempts: number;
  unknown: number;
  since: number;
  code: string;
  error: string;
  retryAt?: number;
}

/** The longest a failing record's history is kept; a partition that moved to another member is forgotten. */
const FORGET_AFTER_MS = 3600_000;

/**
 * Failed attempts per record (topic, partition, offset), kept across pauses of its partition so that backoff keeps
 * growing and unknown errors keep counting towards their budget while the record is fetched again and again.
 */
export class RecordFailures {
  private readonly byRecord = new Map<string, Failure>();

  private static key(m: InboundMessage): string {
    return `${m.topic}\u0000${m.partition}\u0000${m.offset}`;
  }

  record(m: InboundMessage, err: unknown, kind: FailureKind): Failure {
    const key = RecordFailures.key(m);
    const f = this.byRecord.get(key) ?? { attempts: 0, unknown: 0, since: Date.now(), code: '', error: '' };
    f.attempts += 1;
    if (kind === 'unknown') f.unknown += 1;
    f.code = errorCode(err);
    f.error = errorMessage(err).slice(0, 500);
    this.byRecord.set(key, f);
    this.forgetOld();
    return f;
  }

  attempts(m: InboundMessage): number {
    return this.byRecord.get(RecordFailures.key(m))?.attempts ?? 0;
  }

  markStalled(m: InboundMessage, retryInMs: number): void {
    const f = this.byRecord.get(RecordFailures.key(m));
    if (f) f.retryAt = Date.now() + retryInMs;
  }

  clear(m: InboundMessage): void {
    if (this.byRecord.size) this.byRecord.delete(RecordFailures.key(m));
  }

  stalled(): StalledPartition[] {
    const out: StalledPartition[] = [];
    for (const [key, f] of this.byRecord) {
      if (f.retryAt === undefined) continue;
      const [topic, partition, offset] = key.split('\u0000') as [string, string, string];
      out.push({
        topic,
        partition: Number(partition),
        offset,
        attempts: f.attempts,
        since: new Date(f.since).toISOString(),
        code: f.code,
        error: f.error,
        retryAt: new Date(f.retryAt).toISOString(),
      });
    }
    return out;
  }

  private forgetOld(): void {
    const cutoff = Date.now() - FORGET_AFTER_MS;
    for (const [key, f] of this.byRecord) if (f.since < cutoff) this.byRecord.delete(key);
  }
}
