import type { Pool, PoolClient } from 'pg';
import {
  cloudEventHeaders,
  newMetadata,
  type Cause,
  type EventCodec,
  type EventMap,
  type EventMetadata,
  type EventType,
} from '@orderflow/contracts';
import type { InboundMessage } from '@orderflow/messaging';
import { withTransaction } from './transaction';
import { appendToOutbox, claimInbox, claimInboxMany, type OutboxRecord } from './writer';

/** An event a handler wants published; metadata is filled in by the processor. */
export type Emit = {
  [T in EventType]: { type: T; event: Omit<EventMap[T], 'metadata'> & { orderId: string } };
}[EventType];

/** A relay running in this process, which a committed transaction can wake without a NOTIFY. */
export interface LocalRelay {
  /** Whether it holds the lease now (a standby would not publish what it is woken for). */
  isLeader(): boolean;
  wake(): void;
}

/**
 * Transactions of a processor in progress: whether their commit must wake the local relay, and the work registered
 * with beforeCommit.
 */
const openTransactions = new WeakMap<PoolClient, { wakeRelay: boolean; beforeCommit: (() => Promise<void>)[] }>();

/**
 * Runs `fn` in `tx` as its last statements of its own: after the handlers, right before the round trip that carries
 * the outbox append and the COMMIT (see appendToOutbox). For writes to hot rows whose locks should be held as
 * briefly as possible (they are taken there and released by the commit). A failure rolls the transaction back like any other. `tx` must be a transaction of an EventProcessor.
 */
export function beforeCommit(tx: PoolClient, fn: () => Promise<void>): void {
  const open = openTransactions.get(tx);
  if (!open) throw new Error('beforeCommit: not a transaction of an EventProcessor');
  open.beforeCommit.push(fn);
}

/** What a handler receives besides the event. */
export interface HandlerContext {
  tx: PoolClient;
  message: InboundMessage;
  metadata: EventMetadata;
}

export interface ProcessorOptions {
  pool: Pool;
  schema: string;
  codec: EventCodec;
  /** The service name: events' `source`. */
  source: string;
  /**
   * Supplies the W3C traceparent of the current span, carried in the outbox row and on to Kafka. Without it (tracing
   * off), events caused by a consumed record carry that record's traceparent unchanged: the trace id survives the
   * saga at no cost.
   */
  traceparent?: () => string | undefined;
  /** Runs around the processing of each record (a tracing span, say); traceparent() is read inside it. */
  around?: <R>(message: InboundMessage, fn: () => Promise<R>) => Promise<R>;
  /**
   * false: no inbox claim; the handlers themselves must make a redelivered event a no-op, by a unique key of their
   * own that is the event id, in the same transaction (analytics: its timeline's primary key). A batch still hands
   * its handlers each event id once (the first occurrence). Saves an inbox row per consumed event (a heap row, an
   * index entry, a speculative-insert confirmation) where it would only repeat that key. @default true
   */
  inbox?: boolean;
}

type Handle = (event: unknown, ctx: HandlerContext) => Promise<Emit[] | void>;

/** How a batch finds the handler of a record: by its topic. */
export interface Route {
  type: EventType;
  handle: (event: never, ctx: HandlerContext) => Promise<Emit[] | void>;
  /**
   * Optional, set-based: handles all new events of the route in a batch at once, in offset order, in the batch's
   * transaction, with a few statements per batch instead of a few per record. Returns what each item emits, aligned
   * with `items` (void, or a void entry: nothing); each emitted event is caused by its own item. Used instead of
   * `handle` on the batch path; the record-at-a-time path (fallback, and single records) still calls `handle`, so
   * both must have the same effect. The DB work runs outside `around` (no per-record span around it); with tracing
   * on, each item's events are built inside `around`, so they continue that record's trace.
   */
  handleMany?: (tx: PoolClient, items: BatchItem<never>[]) => Promise<readonly (Emit[] | void)[] | void>;
}

/** One new event of a batch, with the record it came in. */
export interface BatchItem<E> {
  event: E;
  message: InboundMessage;
  metadata: EventMetadata;
}

interface Decoded {
  message: InboundMessage;
  type: EventType;
  event: unknown;
  metadata: EventMetadata;
  route?: Route;
}

/**
 * The consume-transform-produce step of every service: decode the record with the service's reader schema, then in
 * one database transaction claim the event in the inbox (a redelivery stops here), apply the handler's state change
 * and append the events it emits to the outbox. Offsets are resolved by the consumer runner only after this returns.
 */
export class EventProcessor {
  private localRelay: LocalRelay | undefined;
  /** Whether events are claimed in the inbox (ProcessorOptions.inbox, its default given here only). */
  private readonly claimsInbox: boolean;

  constructor(private readonly o: ProcessorOptions) {
    this.claimsInbox = o.inbox !== false;
  }

  /** Builds a consumer handler for one event type: one record, one transaction. */
  on<T extends EventType>(
    type: T,
    handle: (event: EventMap[T], ctx: HandlerContext) => Promise<Emit[] | void>,
  ): (message: InboundMessage) => Promise<'processed' | 'duplicate'> {
    return async (message) => {
      const decoded = await this.decode(message, type);
      return this.transaction(async (tx) => {
        const records = await this.apply(tx, decoded, handle as Handle);
        if (!records) return 'duplicate' as const;
        await this.append(tx, records);
        return 'processed' as const;
      });
    };
  }

  /**
   * Builds a batch handler: consecutive records of one partition decoded, then applied in order in ONE transaction
   * (one commit, one outbox insert for all), for throughput. All or nothing: any failure rolls everything back and
   * the consumer runner falls back to record-at-a-time, which isolates the failing record.
   * @returns how many records were duplicates (already processed).
   */
  batch(route: (topic: string) => Route | undefined): (messages: InboundMessage[]) => Promise<{ duplicates: number }> {
    return async (messages) => {
      const decoded: Decoded[] = [];
      for (const m of messages) {
        const r = route(m.topic);
        if (!r) throw new Error(`no handler for topic ${m.topic}`);
        decoded.push({ ...(await this.decode(m, r.type)), route: r });
      }
      return this.transaction(async (tx) => {
        const fresh = this.claimsInbox
          ? await claimInboxMany(
              tx,
              this.o.schema,
              decoded.map((d) => this.inboxEntry(d)),
            )
          : new Set(decoded.map((d) => d.metadata.eventId));
        const all: OutboxRecord[] = [];
        const many = new Map<Route, Decoded[]>();
        let duplicates = 0;
        for (const d of decoded) {
          if (!fresh.delete(d.metadata.eventId)) {
            duplicates += 1; // processed before, or earlier in this batch
            continue;
          }
          const route = d.route!;
          if (route.handleMany) {
            const items = many.get(route) ?? [];
            many.set(route, items);
            items.push(d);
          } else all.push(...(await this.apply(tx, d, route.handle as Handle, true))!);
        }
        for (const [route, items] of many) {
          const emitted = await route.handleMany!(tx, items as never);
          if (emitted) all.push(...(await this.recordsOfMany(items, emitted)));
        }
        await this.append(tx, all);
        return { duplicates };
      });
    };
  }

  private async decode(message: InboundMessage, type: EventType): Promise<Decoded> {
    const { event } = await this.o.codec.decode(type, message.value);
    return { message, type, event, metadata: (event as { metadata: EventMetadata }).metadata };
  }

  /** Inbox claim + handler in `tx`; the outbox records to append, or null for an event already processed. */
  private async apply(tx: PoolClient, d: Decoded, handle: Handle, claimed = false): Promise<OutboxRecord[] | null> {
    const run = () => this.applyOne(tx, d, handle, claimed);
    return this.o.around ? this.o.around(d.message, run) : run();
  }

  private inboxEntry({ message, metadata, type }: Decoded) {
    return {
      eventId: metadata.eventId,
      eventType: type,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    };
  }

  private async applyOne(tx: PoolClient, d: Decoded, handle: Handle, claimed: boolean): Promise<OutboxRecord[] | null> {
    const { message, metadata } = d;
    if (!claimed && this.claimsInbox && !(await claimInbox(tx, this.o.schema, this.inboxEntry(d)))) return null;
    const emits = (await handle(d.event, { tx, message, metadata })) ?? [];
    const cause = { eventId: metadata.eventId, correlationId: metadata.correlationId };
    return this.toRecords(emits, cause, message.headers.traceparent);
  }

  /** The outbox records of what a set-based handler emitted per item, each item the cause of its own events. */
  private async recordsOfMany(items: Decoded[], emitted: readonly (Emit[] | void)[]): Promise<OutboxRecord[]> {
    if (emitted.length !== items.length)
      throw new Error(`handleMany returned ${emitted.length} results for ${items.length} items`);
    const out: OutboxRecord[] = [];
    for (let i = 0; i < items.length; i++) {
      const emits = emitted[i];
      if (!emits || emits.length === 0) continue;
      const { message, metadata } = items[i]!;
      const cause = { eventId: metadata.eventId, correlationId: metadata.correlationId };
      const build = () => this.toRecords(emits, cause, message.headers.traceparent);
      out.push(...(await (this.o.around ? this.o.around(message, build) : build())));
    }
    return out;
  }

  /**
   * Serialises and appends events to the outbox in `tx`, a transaction of this processor (state changes that start
   * from HTTP or a background task).
   */
  async emit(tx: PoolClient, emits: readonly Emit[], cause?: Cause): Promise<void> {
    await this.append(tx, await this.toRecords(emits, cause));
  }

  /** emit for groups of events that each have a cause of their own, in one outbox append (one lock pass, one insert). */
  async emitEach(tx: PoolClient, groups: readonly { emits: readonly Emit[]; cause?: Cause }[]): Promise<void> {
    const records: OutboxRecord[] = [];
    for (const g of groups) records.push(...(await this.toRecords(g.emits, g.cause)));
    await this.append(tx, records);
  }

  private async toRecords(emits: readonly Emit[], cause?: Cause, inboundTraceparent?: string): Promise<OutboxRecord[]> {
    const traceparent = this.o.traceparent ? this.o.traceparent() : inboundTraceparent;
    const records: OutboxRecord[] = [];
    for (const e of emits) {
      const metadata = newMetadata(e.type, this.o.source, cause);
      const payload = await this.o.codec.encode(e.type, { ...e.event, metadata } as never);
      records.push({
        topic: this.o.codec.topicOf(e.type),
        key: e.event.orderId,
        payload,
        headers: cloudEventHeaders(metadata, e.event.orderId, traceparent),
        eventId: metadata.eventId,
        eventType: e.type,
      });
    }
    return records;
  }

  /** Lets committed transactions wake the relay of this process directly (see append). */
  useLocalRelay(relay: LocalRelay): void {
    this.localRelay = relay;
  }

  /**
   * Appends outbox rows in a transaction of this processor. When this process's relay leads, the rows go without a
   * NOTIFY (it serialises committing transactions across the cluster) and the relay is woken in memory once the
   * commit is done; otherwise a NOTIFY wakes whichever process leads. Leadership lost in between costs at most one
   * polling interval of the new leader.
   */
  private async append(tx: PoolClient, records: OutboxRecord[]): Promise<void> {
    const open = openTransactions.get(tx);
    const local = open !== undefined && this.localRelay?.isLeader() === true;
    await appendToOutbox(tx, this.o.schema, records, { notify: !local });
    if (local && records.length > 0) open.wakeRelay = true;
  }

  /** Runs `fn` in a transaction on a pooled connection; rolls back on any error. */
  async transaction<R>(fn: (tx: PoolClient) => Promise<R>): Promise<R> {
    const state = { wakeRelay: false, beforeCommit: [] as (() => Promise<void>)[] };
    const result = await withTransaction(this.o.pool, async (tx) => {
      openTransactions.set(tx, state);
      try {
        const r = await fn(tx);
        for (const hook of state.beforeCommit) await hook();
        return r;
      } finally {
        openTransactions.delete(tx);
      }
    });
    if (state.wakeRelay) this.localRelay?.wake();
    return result;
  }
}
