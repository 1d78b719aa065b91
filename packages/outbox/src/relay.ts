import { Client, type Pool } from 'pg';
import { errorMessage } from '@orderflow/errors';
import type { EventProducer, Logger, OutboundMessage } from '@orderflow/messaging';
import { silentLogger } from '@orderflow/messaging';
import { ident, lockKey, notifyChannel } from './sql';

export interface RelayOptions {
  /** The service's schema; its outbox table is relayed. */
  schema: string;
  pool: Pool;
  /** Connection string for the relay's dedicated session (lease lock + LISTEN). */
  connectionString: string;
  producer: EventProducer;
  /** Rows published per round trip. @default 500 */
  batchSize?: number;
  /** Polling fallback when no NOTIFY arrives (lost connection, notifications off). @default 1000 */
  pollIntervalMs?: number;
  /** How often a standby tries to take the lease. @default 2000 */
  leaseRetryMs?: number;
  /** Published rows are kept this long for audit, then deleted. @default 3600000 (1 h) */
  retainPublishedMs?: number;
  logger?: Logger;
  /** Told of every published batch (Prometheus counters and histograms live in service-kit). */
  metrics?: RelayMetrics;
  /** Wraps each send to the broker (producer spans, in service-kit); may rewrite the records' headers. */
  aroundSend?: (messages: OutboundMessage[], send: (messages: OutboundMessage[]) => Promise<void>) => Promise<void>;
}

/** What the relay reports after each published batch; calls must be cheap (counter increments). */
export interface RelayMetrics {
  /**
   * Rows the broker acknowledged and the relay marked published, with their creation times (epoch ms): the time
   * from the writing transaction to publication is the relay's pickup latency.
   */
  published(rows: { topic: string; createdAt: number }[]): void;
}

export interface RelayStatus {
  role: 'leader' | 'standby' | 'stopped';
  published: number;
  lastError?: string;
}

/**
 * Publishes the outbox to Kafka. One active instance per service (a session advisory lock is the lease; standbys
 * retry and take over when the leader's session ends). Wakes on LISTEN/NOTIFY, polls as a fallback, publishes in
 * id order in batches with acks=all, and marks rows published only after the broker acknowledged them. There is no
 * high-water mark: every unpublished visible row is selected each round, so a transaction that drew a lower id but
 * committed later is never skipped. A crash between publish and mark republishes the batch (at-least-once);
 * consumers deduplicate on the event id.
 */
export class OutboxRelay {
  private readonly o: Required<Omit<RelayOptions, 'logger' | 'metrics' | 'aroundSend'>> &
    Pick<RelayOptions, 'metrics' | 'aroundSend'> & { logger: Logger };
  private session: Client | undefined;
  private running = false;
  private role: RelayStatus['role'] = 'stopped';
  private published = 0;
  private lastError: string | undefined;
  private wake: (() => void) | undefined;
  private signalled = false;
  private loop: Promise<void> | undefined;
  private lastCleanup = 0;

  constructor(opts: RelayOptions) {
    this.o = {
      batchSize: 500,
      pollIntervalMs: 1000,
      leaseRetryMs: 2000,
      retainPublishedMs: 3600_000,
      logger: silentLogger,
      ...opts,
    };
  }

  status(): RelayStatus {
    return { role: this.role, published: this.published, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.role = 'standby';
    this.loop = this.run();
  }

  /** Stops after the in-flight batch (published and marked) and releases the lease. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.role = 'stopped';
  }

  /** Unpublished rows and the age of the oldest, for health and metrics. */
  async backlog(): Promise<{ pending: number; oldestAgeMs: number }> {
    const r = await this.o.pool.query(
      `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::float8 AS age
       FROM ${ident(this.o.schema)}.outbox WHERE published_at IS NULL`,
    );
    return { pending: r.rows[0].pending, oldestAgeMs: Math.round(r.rows[0].age) };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!(await this.acquireLease())) {
          await this.sleep(this.o.leaseRetryMs);
          continue;
        }
        this.role = 'leader';
        this.o.logger.info({ schema: this.o.schema }, 'outbox relay is the leader');
        while (this.running) {
          const n = await this.publishBatch();
          await this.cleanup();
          if (n < this.o.batchSize) await this.sleep(this.o.pollIntervalMs);
        }
      } catch (err) {
        this.lastError = errorMessage(err);
        this.o.logger.error({ err: this.lastError, schema: this.o.schema }, 'outbox relay error; retrying');
        this.role = 'standby';
        await this.closeSession();
        await this.sleep(Math.min(this.o.leaseRetryMs, 1000));
      }
    }
    await this.closeSession();
  }

  private async acquireLease(): Promise<boolean> {
    if (!this.session) {
      const c = new Client({ connectionString: this.o.connectionString, application_name: `${this.o.schema}-relay` });
      c.on('error', (e) => {
        this.lastError = e.message;
        this.wake?.();
      });
      c.on('notification', () => {
        this.signalled = true;
        this.wake?.();
      });
      await c.connect();
      this.session = c;
    }
    const r = await this.session.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [
      lockKey('outbox-relay'),
      lockKey(this.o.schema),
    ]);
    if (!r.rows[0].ok) return false;
    await this.session.query(`LISTEN ${ident(notifyChannel(this.o.schema))}`);
    return true;
  }

  /** One round: select unpublished rows in id order, publish, then mark them. Returns the number published. */
  private async publishBatch(): Promise<number> {
    const s = this.session;
    if (!s) throw new Error('relay session lost');
    const { rows } = await s.query(
      `SELECT id, topic, message_key, payload, headers, created_at FROM ${ident(this.o.schema)}.outbox
       WHERE published_at IS NULL ORDER BY id LIMIT $1`,
      [this.o.batchSize],
    );
    if (rows.length === 0) return 0;
    const messages: OutboundMessage[] = rows.map((r) => ({
      topic: r.topic,
      key: r.message_key,
      value: r.payload,
      headers: r.headers,
    }));
    const send = (m: OutboundMessage[]) => this.o.producer.send(m);
    await (this.o.aroundSend ? this.o.aroundSend(messages, send) : send(messages));
    // Marked through the lease session: if the lease was lost, this fails and no one else's work is marked.
    await s.query(`UPDATE ${ident(this.o.schema)}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    this.published += rows.length;
    this.o.metrics?.published(rows.map((r) => ({ topic: r.topic, createdAt: r.created_at.getTime() })));
    return rows.length;
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.o.pool.query(
      `DELETE FROM ${ident(this.o.schema)}.outbox WHERE published_at < now() - make_interval(secs => $1)`,
      [this.o.retainPublishedMs / 1000],
    );
  }

  /**
   * Sleeps up to `ms`; a NOTIFY that arrived while we were busy ends it at once (no lost wake-ups). `wake` is
   * cleared when the sleep ends, so a NOTIFY during the next busy period only sets `signalled` (a stale wake-up
   * function would clear the flag and the row would wait for the poll interval).
   */
  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve(); // stop() came while we were busy: do not wait a poll interval
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wake === done) this.wake = undefined;
        this.signalled = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async closeSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await s.end().catch(() => undefined); // ends the session: the lease is released
  }
}
