import type { EachBatchPayload } from 'kafkajs';
import { errorMessage } from '@orderflow/errors';
import type { Logger } from './types';

/**
 * A consumer's offset commits: every resolved offset of all its partitions in one request, at most every
 * `intervalMs` (soon), or at once (now: when it stops or its group starts rebalancing) — not one request after
 * every partition's batch, as kafkajs's auto-commit sends them (measured: ten offset commits per order at 50
 * orders/s, the broker's most frequent request, each awaited before the partition's next fetch). A failed commit
 * only means redelivery (the inbox makes it a no-op), so it is reported and logged, never thrown.
 */
export class OffsetCommits {
  /** Commits through the latest batch's kafkajs functions; false: nothing was uncommitted. */
  private commit: (() => Promise<boolean>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly reported: (ok: boolean) => void,
    private readonly logger: Logger,
  ) {}

  /** Commits through this batch's group member from now on (kafkajs replaces it when it restarts itself). */
  use({ commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload): void {
    this.commit = async () => {
      const offsets = uncommittedOffsets();
      if (offsets.topics.length === 0) return false;
      await commitOffsetsIfNecessary(offsets); // explicit offsets: committed now, whatever kafkajs's interval
      return true;
    };
  }

  /** A dead consumer's resolved offsets are not committed (its records are redelivered). */
  forget(): void {
    this.commit = undefined;
  }

  /** Commits within the interval (one timer for all partitions). */
  soon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.now();
    }, this.intervalMs);
  }

  async now(): Promise<void> {
    try {
      if (await this.commit?.()) this.reported(true);
    } catch (err) {
      this.reported(false);
      this.logger.warn({ err: errorMessage(err) }, 'offset commit failed; uncommitted records will be redelivered');
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
