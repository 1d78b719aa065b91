import { errorMessage } from '@orderflow/errors';
import type { Logger } from './logger';
import type { BackgroundTask } from './definition';

export interface PeriodicOptions {
  name: string;
  /** Time between the end of one run and the start of the next. */
  intervalMs: number;
  /** One run; its result is kept for health detail. */
  run: () => Promise<unknown>;
  log: Logger;
  /** Prometheus text from the last run's result. */
  metrics?: () => Promise<string>;
}

/**
 * A BackgroundTask that runs `run` every `intervalMs` (never two runs at once), e.g. a deadline sweep. A failed run
 * is logged and shown in readiness detail; the next one comes at the next interval.
 */
export function periodicTask(o: PeriodicOptions): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = true;
  let last: { at: string; result?: unknown; error?: string } | undefined;
  const tick = () => {
    current = o.run().then(
      (result) => {
        last = { at: new Date().toISOString(), result };
      },
      (err: unknown) => {
        last = { at: new Date().toISOString(), error: errorMessage(err) };
        o.log.error({ task: o.name, err: last.error }, 'periodic task failed');
      },
    );
    void current.then(() => {
      if (!stopped) timer = setTimeout(tick, o.intervalMs);
    });
  };
  return {
    name: o.name,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(tick, o.intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
    async health() {
      return { ok: !stopped, detail: last ?? {} };
    },
    ...(o.metrics ? { metrics: o.metrics } : {}),
  };
}
