/**
 * A wait that work can end early: `signal()` ends the current sleep, or makes the next one return at once when it
 * comes while the owner is busy (no lost wake-ups); `interrupt()` only ends a sleep in progress (stop, errors). The
 * wake-up is cleared when a sleep ends, so a signal during the next busy period is remembered, not swallowed.
 */
export class Doze {
  private wakeUp: (() => void) | undefined;
  private signalled = false;

  signal(): void {
    this.signalled = true;
    this.wakeUp?.();
  }

  interrupt(): void {
    this.wakeUp?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wakeUp === done) this.wakeUp = undefined;
        this.signalled = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
