import type { InboundMessage } from './types';

/**
 * Runs of records that a consumer's partitions hand over in the same turn of the event loop are handled together:
 * one batch handler call, so one transaction, where each partition's run would have made one of its own. kafkajs
 * gives every partition's batch of a fetch to its workers at once, so at moderate rates (a record or two per
 * partition per fetch) this is what makes batches at all. Each partition's order holds: a partition has one run in
 * flight at a time, and a run's records stay in order; runs go in the order their first records were written. All
 * or nothing, as a single run: if the group fails, each run of several records is tried again on its own (a poison
 * record fails only its partition's run), and a run that still fails goes through the one-by-one path, which
 * isolates the record.
 */
export class Coalescer {
  private waiting: { run: InboundMessage[]; done: (handled: boolean) => void }[] = [];

  constructor(
    private readonly handle: (records: InboundMessage[]) => Promise<void>,
    private readonly failed: (records: InboundMessage[], err: unknown) => void,
  ) {}

  /** Resolves true once `run` was handled with the group it joined, false when it must go one by one. */
  submit(run: InboundMessage[]): Promise<boolean> {
    return new Promise((done) => {
      this.waiting.push({ run, done });
      if (this.waiting.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    // Runs in the order their first records were written: events of one order on different topics (a release, then
    // a payment) are then handled in the order they happened, as a consumer taking one partition at a time would
    // most likely have seen them. Each run is one partition's, in offset order.
    const group = this.waiting.sort((a, b) => a.run[0]!.timestamp - b.run[0]!.timestamp);
    this.waiting = [];
    const records = group.flatMap((g) => g.run);
    // A single record takes the one-by-one path, as it always has.
    if (records.length < 2) return group.forEach((g) => g.done(false));
    if (await this.attempt(records)) return group.forEach((g) => g.done(true));
    if (group.length === 1) return group[0]!.done(false);
    await Promise.all(group.map(async (g) => g.done(g.run.length > 1 && (await this.attempt(g.run)))));
  }

  private async attempt(records: InboundMessage[]): Promise<boolean> {
    try {
      await this.handle(records);
      return true;
    } catch (err) {
      this.failed(records, err);
      return false;
    }
  }
}
