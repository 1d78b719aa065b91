import { errorMessage } from '@orderflow/errors';

/**
 * Sends heartbeats on a timer while a batch is being handled (kafkajs only sends them between batches, so a slow
 * batch would outlive the session timeout and cause a rebalance). A heartbeat that fails because the group is
 * rebalancing marks the batch as lost: the caller stops without resolving, and the records are fetched again by
 * whoever owns the partition next.
 */
export function startKeepAlive(heartbeat: () => Promise<void>, intervalMs: number) {
  let lost = false;
  const timer = setInterval(() => {
    heartbeat().catch((err: unknown) => {
      if (/rebalanc|not.*coordinator|unknown member|illegal generation/i.test(errorMessage(err))) lost = true;
    });
  }, intervalMs);
  timer.unref();
  return { lost: () => lost, stop: () => clearInterval(timer) };
}
