import type { Server } from 'node:http';
import type { Logger } from './logger';

/** One step of the shutdown path, in the order given. */
export type ShutdownStep = () => Promise<void>;

/**
 * The one shutdown path: the steps run once, in order, however many times (and from wherever) stop is called.
 * `onStart` runs first and synchronously (readiness turns 503 before anything closes).
 */
export function shutdownPath(
  log: Logger,
  onStart: () => void,
  steps: ShutdownStep[],
): (reason?: string) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (reason = 'stop') =>
    (stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      onStart();
      for (const step of steps) await step();
      log.info('stopped');
    })());
}

/**
 * Stops accepting HTTP. close() waits for every connection to end: a keep-alive client polling the service (a
 * gateway, a scraper) would hold it open until the hard timeout. Idle ones go now, in-flight requests get a second.
 */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 1000).unref();
  await closed;
}

/** SIGTERM/SIGINT (or a lost supervisor) run `stop` and exit; a stop that outlasts `timeoutMs` exits with 1. */
export function exitOnSignals(stop: (reason: string) => Promise<void>, timeoutMs: number, log: Logger): void {
  // Started by a supervisor with an IPC channel (npm start): when the supervisor is gone, even by kill -9, so are we.
  if (process.send && process.env.ORDERFLOW_SUPERVISED === '1') {
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      const timer = setTimeout(() => {
        log.error('shutdown timed out; exiting');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      stop(sig).then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
