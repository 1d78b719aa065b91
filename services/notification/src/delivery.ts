import type { Pool, PoolClient } from 'pg';
import { errorCode, errorMessage, PermanentError } from '@orderflow/errors';
import { Doze, type EventProcessor } from '@orderflow/outbox';
import type { BackgroundTask, Logger } from '@orderflow/service-kit';
import {
  claimDue,
  deliveryBacklog,
  markFailed,
  markSentMany,
  reschedule,
  type DueNotification,
  type FailureCode,
} from './db/notifications';
import { CHANNEL, messageIdFor } from './domain/notification';
import type { Template } from './domain/templates';
import type { Mailer } from './mailer';
import { MarkQueue, WindowSamples } from './marks';

/** A claimed notification whose mail the SMTP server accepted, waiting for its mark. */
interface Accepted {
  n: DueNotification;
  acceptedAt: number;
}

export interface DeliveryOptions {
  pool: Pool;
  processor: EventProcessor;
  mailer: Mailer;
  mailFrom: string;
  log: Logger;
  /** Mails in flight at once. @default 8 */
  concurrency?: number;
  /** How long a claimed notification is reserved for its claimer (then another replica may send it). @default 30000 */
  claimMs?: number;
  /** Polling fallback when no consumer commit wakes the worker. @default 500 */
  pollMs?: number;
  /** First retry delay after a temporary failure; doubles per attempt. @default 1000 */
  retryBaseMs?: number;
  /** @default 300000 */
  retryMaxMs?: number;
  /** Attempts before a notification that keeps failing temporarily is given up (GAVE_UP). @default 10 */
  maxAttempts?: number;
  /** Longest wait of an accepted mail for its delivery mark (accepted mails are marked in groups). @default 50 */
  markEveryMs?: number;
  /** Accepted mails marked in one transaction at most. @default 50 */
  markMax?: number;
}

/**
 * Delivers what notification decided, after the decision committed: claims due notifications (SKIP LOCKED, so
 * replicas share the work), sends them concurrently with the notification id as Message-ID, then marks the accepted
 * ones delivered and announces their notification.sent in groups, one transaction per group (at most `markMax` mails,
 * marked at the latest `markEveryMs` after the first was accepted). A rollback or a replay of the consumed events
 * can never send again: only a crash between the SMTP server's acceptance and the mark resends (same Message-ID),
 * once the claim expires. A temporary failure (4xx, server away) is retried with backoff for that notification alone; a
 * permanent one (5xx, an address nodemailer cannot use) or too many temporary ones record the notification as
 * failed and announce notification.failed. Nothing here holds a Kafka partition.
 */
export class DeliveryWorker implements BackgroundTask {
  readonly name = 'notification-delivery';
  private readonly o: Required<DeliveryOptions>;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly doze = new Doze();
  private delivered = 0;
  private failed = 0;
  private retried = 0;
  private markTransactions = 0;
  private lastError: string | undefined;
  private readonly window = new WindowSamples();

  constructor(opts: DeliveryOptions) {
    this.o = {
      concurrency: 8,
      claimMs: 30000,
      pollMs: 500,
      retryBaseMs: 1000,
      retryMaxMs: 300_000,
      maxAttempts: 10,
      markEveryMs: 50,
      markMax: 50,
      ...opts,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.doze.interrupt();
    await this.loop;
  }

  wake(): void {
    this.doze.signal();
  }

  async health() {
    const backlog = await deliveryBacklog(this.o.pool);
    return { ok: this.running, detail: { ...this.stats(), ...backlog } };
  }

  stats() {
    return {
      delivered: this.delivered,
      failed: this.failed,
      retried: this.retried,
      markTransactions: this.markTransactions,
      markWindowMs: { p50: this.window.percentile(50), p99: this.window.percentile(99), max: this.window.max },
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  async metrics(): Promise<string> {
    const b = await deliveryBacklog(this.o.pool);
    return [
      `orderflow_notifications_delivered_total ${this.delivered}`,
      `orderflow_notifications_failed_total ${this.failed}`,
      `orderflow_notifications_retried_total ${this.retried}`,
      `orderflow_notifications_pending ${b.pending}`,
      `orderflow_notifications_oldest_pending_age_ms ${b.oldestAgeMs}`,
      `orderflow_notification_mark_window_ms_max ${this.window.max}`,
    ].join('\n');
  }

  /**
   * Keeps `concurrency` mails in flight: lanes take claimed notifications from a local queue, and the queue is
   * refilled (claimed) as soon as half of it is free, while the other sends go on. When fewer are due than
   * there was room for, it waits for a new decision (wake) or the poll interval. Accepted mails are marked in groups
   * (MarkQueue) as they come. At stop, the sends in flight finish and every accepted mail is marked.
   */
  private async run(): Promise<void> {
    const limit = this.o.concurrency * 4;
    // Claimed in halves of the local queue: under a backlog a claim takes 2 x concurrency rows (16 by default), not
    // one lane's worth each time a lane's worth of sends finished: half the claims.
    const refill = limit / 2;
    const marks = new MarkQueue<Accepted>({
      max: this.o.markMax,
      everyMs: this.o.markEveryMs,
      mark: (group) => this.markDelivered(group),
    });
    const lanes = new Lanes(
      this.o.concurrency,
      (n: DueNotification) => n.orderId,
      (n: DueNotification) =>
        this.deliver(n, marks).catch((err) => {
          // The failure could not be recorded (database away): the claim expires and the mail is tried again.
          this.lastError = errorMessage(err);
          this.o.log.error({ err: this.lastError, notificationId: n.notificationId }, 'notification delivery failed');
        }),
    );
    while (this.running) {
      try {
        const room = limit - lanes.size;
        if (room < refill) {
          await lanes.below(limit - refill);
          continue;
        }
        const due = await claimDue(this.o.pool, room, this.o.claimMs);
        lanes.push(due);
        if (due.length < room) await this.sleep(this.o.pollMs);
      } catch (err) {
        this.lastError = errorMessage(err);
        this.o.log.error({ err: this.lastError }, 'notification delivery round failed; retrying');
        await this.sleep(Math.max(this.o.pollMs, 1000));
      }
    }
    await lanes.drain();
    await marks.flush();
  }

  private async deliver(n: DueNotification, marks: MarkQueue<Accepted>): Promise<void> {
    try {
      await this.o.mailer.send({
        to: n.recipient,
        subject: n.subject,
        text: n.body,
        messageId: messageIdFor(n.notificationId, this.o.mailFrom),
      });
    } catch (err) {
      await this.failedAttempt(n, err);
      return;
    }
    marks.add({ n, acceptedAt: Date.now() });
  }

  /**
   * Marks a group of accepted mails delivered and announces each one, in one transaction. The mails are out: retry
   * the mark (database away) rather than give up, for as long as the first one's claim holds; past it, another
   * claimer would send again anyway. Never rejects.
   */
  private async markDelivered(group: Accepted[]): Promise<void> {
    const oldest = Math.min(...group.map((a) => a.acceptedAt));
    for (let attempt = 1; ; attempt++) {
      try {
        const marked = await this.o.processor.transaction(async (tx) => {
          const ids = await markSentMany(
            tx,
            group.map(({ n, acceptedAt }) => ({ notificationId: n.notificationId, sentAt: acceptedAt })),
          );
          const sent = group.filter((a) => ids.has(a.n.notificationId));
          await this.announceSent(tx, sent);
          return sent;
        });
        const committed = Date.now();
        this.markTransactions += 1;
        for (const { n, acceptedAt } of marked) {
          this.window.add(committed - acceptedAt);
          this.o.log.debug({ orderId: n.orderId, notificationId: n.notificationId }, 'notification sent');
        }
        this.delivered += marked.length;
        this.o.log.info({ sent: marked.length }, 'notifications sent');
        return;
      } catch (err) {
        this.lastError = errorMessage(err);
        if (Date.now() - oldest > this.o.claimMs) {
          this.o.log.error(
            { err: this.lastError, notificationIds: group.map((a) => a.n.notificationId) },
            'could not mark sent mails',
          );
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }

  /**
   * notification.sent of each marked mail, caused by the event that triggered its notification (its correlation,
   * the order's journey, with it): one outbox append for the group (its advisory locks taken in one pass, in one
   * order, so two replicas marking groups that share orders cannot deadlock).
   */
  private async announceSent(tx: PoolClient, sent: readonly Accepted[]): Promise<void> {
    // A stable sort: one order's mails keep the order they were accepted in (the group's), which Lanes made the
    // order they were decided in.
    const byOrder = [...sent].sort((a, b) => compare(a.n.orderId, b.n.orderId));
    await this.o.processor.emitEach(
      tx,
      byOrder.map(({ n, acceptedAt }) => ({
        emits: [
          {
            type: 'notification.sent' as const,
            event: {
              orderId: n.orderId,
              notificationId: n.notificationId,
              channel: CHANNEL,
              recipient: n.recipient,
              template: n.template as Template,
              triggeredBy: n.triggeredByType,
              sentAt: acceptedAt,
            },
          },
        ],
        cause: { eventId: n.triggeredByEventId, correlationId: n.correlationId },
      })),
    );
  }

  private async failedAttempt(n: DueNotification, err: unknown): Promise<void> {
    const reason = errorMessage(err);
    this.lastError = reason;
    const permanent = err instanceof PermanentError;
    if (!permanent && n.attempts < this.o.maxAttempts) {
      const delay = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (n.attempts - 1));
      this.retried += 1;
      this.o.log.warn(
        { orderId: n.orderId, notificationId: n.notificationId, attempt: n.attempts, retryInMs: delay, err: reason },
        'notification delivery failed temporarily; retrying later',
      );
      await reschedule(this.o.pool, n.notificationId, delay, reason);
      return;
    }
    const code: FailureCode = !permanent
      ? 'GAVE_UP'
      : errorCode(err) === 'SMTP_ENVELOPE'
        ? 'INVALID_ADDRESS'
        : 'REJECTED';
    await this.o.processor.transaction(async (tx) => {
      if (!(await markFailed(tx, n.notificationId, code, reason))) return;
      await this.o.processor.emit(
        tx,
        [
          {
            type: 'notification.failed',
            event: {
              orderId: n.orderId,
              notificationId: n.notificationId,
              channel: CHANNEL,
              recipient: n.recipient,
              template: n.template,
              triggeredBy: n.triggeredByType,
              reasonCode: code,
              reason: reason.slice(0, 1000),
              attempts: n.attempts,
              failedAt: Date.now(),
            },
          },
        ],
        { eventId: n.triggeredByEventId, correlationId: n.correlationId },
      );
    });
    this.failed += 1;
    this.o.log.warn({ orderId: n.orderId, notificationId: n.notificationId, code, err: reason }, 'notification failed');
  }

  private sleep(ms: number): Promise<void> {
    return this.running ? this.doze.sleep(ms) : Promise.resolve();
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Work items run at most `concurrency` at a time, in the order given, and never two of one key at once: an item
 * waits while an earlier one of its key runs (mails of one order go out, and are marked, in the order they were
 * decided). `size` counts the queued and the running. `run` must not reject.
 */
class Lanes<T> {
  private readonly queue: T[] = [];
  private readonly busy = new Set<string>();
  private waiters: { size: number; resolve: () => void }[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly keyOf: (item: T) => string,
    private readonly run: (item: T) => Promise<void>,
  ) {}

  get size(): number {
    return this.queue.length + this.busy.size;
  }

  push(items: readonly T[]): void {
    this.queue.push(...items);
    this.pump();
  }

  /** Resolves once at most `size` items are queued or running. */
  below(size: number): Promise<void> {
    if (this.size <= size) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ size, resolve }));
  }

  /** Resolves once every item pushed so far has run. */
  drain(): Promise<void> {
    return this.below(0);
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length && this.busy.size < this.concurrency;) {
      const item = this.queue[i]!;
      const key = this.keyOf(item);
      if (this.busy.has(key)) {
        i += 1; // behind an earlier item of its key
        continue;
      }
      this.queue.splice(i, 1);
      this.busy.add(key);
      void this.run(item).finally(() => {
        this.busy.delete(key);
        this.pump();
        this.waiters = this.waiters.filter((w) => (this.size <= w.size ? (w.resolve(), false) : true));
      });
    }
  }
}
