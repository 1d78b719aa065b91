import type { Server } from 'node:http';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import type { EventCodec } from '@orderflow/contracts';
import type { Logger } from '@orderflow/service-kit';
import type { Config } from '../config';
import { readSummary, type Summary } from '../db/summary';
import { latestRebuild, type RebuildProgress } from '../rebuild/progress';
import { brokerView, probe, type BrokerView, type ServiceStatus } from './services';

/** One frame of the dashboard's stream. */
export interface Snapshot {
  at: number;
  summary: Summary;
  services: ServiceStatus[];
  deadLetters: BrokerView['deadLetters'];
  rebuild: RebuildProgress | null;
}

/** The broker is asked once every this many frames (lag and dead letters move slower than the funnel). */
const BROKER_EVERY = 5;

/**
 * Sends one picture to every open dashboard each interval, computed once for all of them, and only while at least
 * one is open: a dashboard nobody watches costs nothing.
 */
export class DashboardHub {
  private readonly clients = new Set<Response>();
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private broker: BrokerView | undefined;
  private last: Snapshot | undefined;
  private server: Server | undefined;

  constructor(private readonly o: { config: Config; pool: Pool; codec: EventCodec; log: Logger }) {}

  /**
   * Serves one server-sent-events connection until the browser closes it, or the server stops listening: a
   * shutdown waits for open connections to end, and a stream would never end by itself.
   */
  attach(req: Request, res: Response): void {
    this.server ??= (req.socket as unknown as { server?: Server }).server;
    if (this.stopping()) {
      res.status(503).set('Connection', 'close').end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 1000\n\n`);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.pause();
    });
    if (this.last) this.send(res, this.last);
    if (!this.timer) this.tick();
  }

  private stopping(): boolean {
    return this.server !== undefined && !this.server.listening;
  }

  private pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.stopping()) {
      // Destroyed, not ended: an ended stream leaves a keep-alive socket the browser reconnects through.
      for (const c of this.clients) c.destroy();
      this.clients.clear();
      this.timer = undefined;
      return;
    }
    void this.snapshot()
      .then(
        (s) => {
          this.last = s;
          for (const c of this.clients) this.send(c, s);
        },
        (err: unknown) => this.o.log.warn({ err }, 'dashboard snapshot failed'),
      )
      .finally(() => {
        if (this.clients.size > 0) this.timer = setTimeout(() => this.tick(), this.o.config.DASHBOARD_INTERVAL_MS);
        else this.timer = undefined;
      });
  }

  private send(res: Response, s: Snapshot): void {
    res.write(`event: snapshot\ndata: ${JSON.stringify(s)}\n\n`);
  }

  /** The whole picture: the read model's summary, each service's readiness, the broker's view, the latest rebuild. */
  async snapshot(): Promise<Snapshot> {
    const { config, pool, codec } = this.o;
    const watched = config.DASHBOARD_SERVICES;
    if (!this.broker || this.frame % BROKER_EVERY === 0) {
      this.broker = await brokerView(
        config,
        codec,
        watched.map((s) => s.name),
      ).catch((err: unknown) => {
        this.o.log.warn({ err }, 'dashboard could not ask the broker');
        return this.broker ?? { lag: new Map(), deadLetters: [] };
      });
    }
    this.frame += 1;
    const broker = this.broker;
    const [summary, services, rebuild] = await Promise.all([
      readSummary(pool),
      Promise.all(watched.map((s) => probe(s.name, s.urls))),
      latestRebuild(pool),
    ]);
    return {
      at: Date.now(),
      summary,
      services: services.map((s) => ({ ...s, lag: broker.lag.get(s.name) ?? null })),
      deadLetters: broker.deadLetters,
      rebuild: rebuild ?? null,
    };
  }
}
