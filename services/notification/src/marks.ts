/**
 * Accepted mails wait here for their delivery mark, so that many are marked in one transaction. The wait is the
 * price: it lengthens the window in which a crash resends a mail (accept → mark committed) by at most `everyMs`
 * plus the marking of the group before, which is why groups stay small and short.
 */
export class MarkQueue<A extends { acceptedAt: number }> {
  private waiting: A[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      /** Mails marked together at most. */
      max: number;
      /** Longest wait of an accepted mail before its group is marked. */
      everyMs: number;
      /** Marks one group; must not reject (it retries and logs on its own). */
      mark: (group: A[]) => Promise<void>;
    },
  ) {}

  /** A mail the server accepted: marked with the group that is full first or `everyMs` after its first mail. */
  add(accepted: A): void {
    this.waiting.push(accepted);
    if (this.waiting.length >= this.o.max) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.o.everyMs);
  }

  /** Marks what waits now; resolves once every group handed over so far is marked (groups go one after another). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    this.waiting = [];
    if (group.length > 0) this.tail = this.tail.then(() => this.o.mark(group));
    return this.tail;
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
