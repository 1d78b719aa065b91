/**
 * Accepted mails wait here for their delivery mark, so that many are marked in one transaction. A group is marked
 * when `max` mails wait or `everyMs` after the first of them was accepted, whichever comes first, and one group at a
 * time: mails accepted while a group is being marked wait for the same rule once it committed (at once if by then
 * `max` of them wait or the first of them waited `everyMs`). So under load a group holds what `everyMs` brings, not
 * only what came during the mark before (group commit without a queue of transactions, and without one transaction
 * per few mails). The wait is the price: it lengthens the window in which a crash resends a mail (accept → mark
 * committed) by at most `everyMs`, or the marking of the group before if that took longer.
 */
export class MarkQueue<A> {
  private waiting: A[] = [];
  /** When the first waiting mail was accepted (Date.now()). */
  private firstAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private marking: Promise<void> | undefined;

  constructor(
    private readonly o: {
      /** Mails marked together at most. */
      max: number;
      /** Longest wait of an accepted mail before its group is marked (unless the group before is still marking). */
      everyMs: number;
      /** Marks one group; must not reject (it retries and logs on its own). */
      mark: (group: A[]) => Promise<void>;
    },
  ) {}

  /** A mail the server accepted: marked with the next group. */
  add(accepted: A): void {
    if (this.waiting.length === 0) this.firstAt = Date.now();
    this.waiting.push(accepted);
    if (!this.marking) this.schedule();
  }

  /** Marks everything that waits; resolves once every mail handed over so far is marked. */
  async flush(): Promise<void> {
    while (this.marking || this.waiting.length > 0) {
      this.next();
      await this.marking;
    }
  }

  /** With no group being marked: the next group now if it is full or its first mail waited long enough, else later. */
  private schedule(): void {
    if (this.waiting.length === 0) return;
    const due = this.firstAt + this.o.everyMs - Date.now();
    if (this.waiting.length >= this.o.max || due <= 0) this.next();
    else this.timer ??= setTimeout(() => this.next(), due);
  }

  private next(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.marking || this.waiting.length === 0) return;
    const group = this.waiting.splice(0, this.o.max);
    // What stays behind (more than max waited) keeps the group's first acceptance as its clock: it was accepted no
    // earlier, so it is marked no later than everyMs after its own acceptance (here: right after this group).
    this.marking = this.o.mark(group).finally(() => {
      this.marking = undefined;
      this.schedule();
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
