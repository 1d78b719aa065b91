/**
 * Accepted mails wait here for their delivery mark, so that many are marked in one transaction. A group is marked
 * when `max` mails wait or `everyMs` after the first of them was accepted, whichever comes first; while a group is
 * being marked, the mails accepted meanwhile wait and are marked together as soon as it committed (group commit: one
 * transaction in flight at a time, never a queue of them). The wait is the price: it lengthens the window in which a
 * crash resends a mail (accept → mark committed) by at most `everyMs`, or the marking of the group before.
 */
export class MarkQueue<A> {
  private waiting: A[] = [];
  private timer: NodeJS.Timeout | undefined;
  private marking: Promise<void> | undefined;

  constructor(
    private readonly o: {
      /** Mails marked together at most. */
      max: number;
      /** Longest wait of an accepted mail before its group is marked (when no group is being marked). */
      everyMs: number;
      /** Marks one group; must not reject (it retries and logs on its own). */
      mark: (group: A[]) => Promise<void>;
    },
  ) {}

  /** A mail the server accepted: marked with the next group. */
  add(accepted: A): void {
    this.waiting.push(accepted);
    if (this.marking) return; // marked right after the group in flight
    if (this.waiting.length >= this.o.max) this.next();
    else this.timer ??= setTimeout(() => this.next(), this.o.everyMs);
  }

  /** Marks everything that waits; resolves once every mail handed over so far is marked. */
  async flush(): Promise<void> {
    while (this.marking || this.waiting.length > 0) {
      this.next();
      await this.marking;
    }
  }

  private next(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.marking || this.waiting.length === 0) return;
    const group = this.waiting.splice(0, this.o.max);
    this.marking = this.o.mark(group).finally(() => {
      this.marking = undefined;
      this.next();
    });
  }
}

/** Times from the SMTP server's acceptance to the committed mark: the one window in which a crash resends. */
export class WindowSamples {
  private readonly samples: number[] = [];
  max = 0;
  add(ms: number): void {
    this.max = Math.max(this.max, ms);
    this.samples.push(ms);
    if (this.samples.length > 1000) this.samples.shift();
  }
  percentile(p: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  }
}
