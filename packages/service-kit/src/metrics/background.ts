import type { ConsumerStats, KafkaAdmin } from '@orderflow/messaging';
import type { OutboxRelay } from '@orderflow/outbox';
import type { Logger } from '../logger';
import type { PlatformInstruments } from './instruments';

export interface BackgroundSources {
  admin: KafkaAdmin;
  /** Consumer group and topics whose lag is gauged; absent when this process consumes nothing. */
  consumer?: { groupId: string; topics: readonly string[]; stats: () => ConsumerStats };
  relay?: OutboxRelay;
  /** The service's own figures (ServiceDefinition.metrics), kept as text. */
  extra?: () => Promise<string>;
  intervalMs: number;
  log: Logger;
}

/**
 * Refreshes what costs a round trip (consumer lag from the broker, outbox backlog and the service's own figures
 * from PostgreSQL) on a timer, so a scrape only reads memory: scraping often, or from several Prometheus servers,
 * adds no load on the broker or on hot tables. A failed refresh keeps the last values and is logged.
 */
export class BackgroundMetrics {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private extraText = '';

  constructor(
    private readonly m: PlatformInstruments,
    private readonly s: BackgroundSources,
  ) {}

  /** Refreshes once now (not awaited by callers that must not wait for the broker), then every interval. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** The service's own figures as of the last refresh. */
  text(): string {
    return this.extraText;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.refresh().finally(() => {
        if (!this.stopped) this.schedule(this.s.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  /** One round; each source independently, so a broker outage does not freeze the outbox figures. */
  async refresh(): Promise<void> {
    await Promise.all([this.attempt('lag', () => this.lag()), this.attempt('outbox', () => this.outbox())]);
    await this.attempt('service', async () => {
      if (this.s.extra) this.extraText = await this.s.extra();
    });
  }

  private async lag(): Promise<void> {
    const c = this.s.consumer;
    if (!c) return;
    const stalled = new Map<string, number>();
    for (const s of c.stats().stalled) stalled.set(s.topic, (stalled.get(s.topic) ?? 0) + 1);
    this.m.stalled.reset();
    for (const topic of c.topics) this.m.stalled.set({ topic }, stalled.get(topic) ?? 0);
    const lags = await this.s.admin.partitionLag(c.groupId, c.topics);
    this.m.lag.reset(); // partitions of a deleted or reassigned topic disappear rather than freeze
    for (const l of lags) this.m.lag.set({ group: c.groupId, topic: l.topic, partition: String(l.partition) }, l.lag);
  }

  private async outbox(): Promise<void> {
    const relay = this.s.relay;
    if (!relay) return;
    this.m.leader.set(relay.status().role === 'leader' ? 1 : 0);
    const b = await relay.backlog();
    this.m.pending.set(b.pending);
    this.m.oldestAge.set(b.oldestAgeMs / 1000);
    this.m.parked.set(b.parked);
  }

  private async attempt(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!this.stopped) this.s.log.warn({ err: (err as Error).message, what }, 'metrics refresh failed');
    }
  }
}
