/**
 * The end of a phase: every consumer group of the platform at lag 0 on every topic it consumes, every service's
 * outbox without an unpublished row, and notification's delivery queue empty (its sends become notification.sent,
 * which analytics still has to consume) — seen twice in a row. Not "the last order.fulfilled arrived": work that
 * follows it (notification, analytics, the relays) belongs to the same orders.
 */
import { catalog, catalogTopics } from '@orderflow/contracts';
import { backlogQuery } from '@orderflow/outbox';
import { dbSchemaOf } from '@orderflow/service-kit';
import { SERVICES, type Platform } from '@orderflow/testing';
import type { StatsDb } from '../pg-stats';

/** What the platform still has to do. */
export interface Backlog {
  /** Unconsumed records per consumer group (service). */
  lag: Record<string, number>;
  /** Unpublished outbox rows per service (parked ones apart), counted up to PENDING_CAP. */
  outbox: Record<string, number>;
  /** Rows a relay set aside because the broker refused them: never published, so reported, not waited for. */
  parked: number;
  /** Notifications decided but not yet sent (counted up to PENDING_CAP). */
  notificationsPending: number;
}

/**
 * Pending notifications and outbox rows are counted up to this many: the end condition needs none, the figure only
 * an idea.
 */
const PENDING_CAP = 1000;

export interface DrainResult {
  drained: boolean;
  /** When the platform was first seen idle (epoch ms); the time of the last look if it never was. */
  at: number;
  last: Backlog;
}

export function isIdle(b: Backlog): boolean {
  const zero = (r: Record<string, number>) => Object.values(r).every((v) => v === 0);
  return zero(b.lag) && zero(b.outbox) && b.notificationsPending === 0;
}

export class DrainWatch {
  /** The topics each service's group consumes, from the catalog (under the platform's prefix). */
  private readonly consumed: Map<string, string[]>;

  constructor(
    private readonly p: Platform,
    private readonly db: StatsDb,
  ) {
    const topicsOf = (s: string) =>
      catalog.topics.filter((t) => t.consumers.includes(s)).map((t) => p.prefix + t.topic);
    this.consumed = new Map(SERVICES.map((s) => [s, topicsOf(s)]));
  }

  /** Every topic of the run (events and dead letters). */
  get topics(): string[] {
    return catalogTopics(this.p.prefix).map((t) => t.topic);
  }

  /** End offsets of the run's topics, summed over partitions: records written so far, per topic. */
  async records(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const t of this.topics) {
      let sum = 0;
      for (const w of (await this.p.kafka.admin.watermarks(t)).values()) sum += Number(w.high);
      out.set(t, sum);
    }
    return out;
  }

  /** Consumer groups reading a topic of the run (0 for dead-letter topics: operators read those). */
  readers(topic: string): number {
    let n = 0;
    for (const topics of this.consumed.values()) if (topics.includes(topic)) n += 1;
    return n;
  }

  /**
   * What is left to do. The database is asked first: while an outbox or the delivery queue still holds rows the
   * platform is busy, and the two dozen broker requests of the lag check (CPU of the load generator's process,
   * on the measured machine) are skipped; their lag is then reported as unknown (-1).
   */
  async backlog(): Promise<Backlog> {
    const db = await this.database();
    if (!isIdle({ lag: {}, ...db })) return { lag: Object.fromEntries(SERVICES.map((s) => [s, -1])), ...db };
    return { lag: await this.lag(), ...db };
  }

  private async lag(): Promise<Record<string, number>> {
    const wm = new Map<string, Map<number, { low: bigint; high: bigint }>>();
    for (const t of catalog.topics)
      wm.set(this.p.prefix + t.topic, await this.p.kafka.admin.watermarks(this.p.prefix + t.topic));
    const lag: Record<string, number> = {};
    for (const [s, topics] of this.consumed) {
      const committed = await this.p.kafka.admin.committedOffsets(this.p.prefix + s, topics);
      lag[s] = 0;
      for (const t of topics)
        for (const [partition, w] of wm.get(t) ?? [])
          lag[s] += Number(w.high - (committed.get(t)?.get(partition) ?? w.low));
    }
    return lag;
  }

  private async database(): Promise<Omit<Backlog, 'lag'>> {
    const outboxes = SERVICES.map(
      // The relay's own backlog query (not the published rows kept for audit), counting up to PENDING_CAP: counted
      // whole, a backlog of tens of thousands of rows took 11 ms per look of the six, twice a second inside the
      // measured window.
      (s) => `SELECT '${s}' AS service, b.pending, b.parked FROM (${backlogQuery(dbSchemaOf(s), PENDING_CAP)}) b`,
    );
    const rows = await this.db.query<{ service: string; pending: number; parked: number }>(
      outboxes.join(' UNION ALL '),
    );
    // Bounded, and along the worker's due index: a count of every pending mail read a large part of the table when
    // the planner expected many (100 ms per look, twice a second, in the measured window).
    const [n] = await this.db.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM (SELECT 1 FROM ${dbSchemaOf('notification')}.notifications
       WHERE status = 'PENDING' ORDER BY next_attempt_at, seq LIMIT ${PENDING_CAP}) p`,
    );
    return {
      outbox: Object.fromEntries(rows.map((r) => [r.service, r.pending])),
      parked: rows.reduce((s, r) => s + r.parked, 0),
      notificationsPending: n?.pending ?? 0,
    };
  }

  /** Polls until the platform is idle twice in a row, or `timeoutMs` passed (then reports what it saw last). */
  async drained(timeoutMs: number, intervalMs = 500): Promise<DrainResult> {
    const deadline = Date.now() + timeoutMs;
    let idleSince: number | undefined;
    for (;;) {
      const at = Date.now();
      const last = await this.backlog();
      if (!isIdle(last)) idleSince = undefined;
      else if (idleSince === undefined) idleSince = at;
      else return { drained: true, at: idleSince, last };
      if (Date.now() > deadline) return { drained: false, at, last };
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
