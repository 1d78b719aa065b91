import type { PoolClient } from 'pg';
import type { EventMap, EventType } from '@orderflow/contracts';
import { TransientError } from '@orderflow/errors';
import { beforeCommit, type BatchItem, type Emit } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import { applyDeltas, applyDeltasIfFit, deltasBetween, lockStock, readStock } from '../db/stock';
import type { StockLevel } from '../domain/reservation';

/**
 * How a step reads and writes stock, the service's hot rows (a few SKUs are in most orders):
 * - `late` (the batch path): read without locks; the changes are written at the very end of the transaction (right
 *   before the round trip of the outbox append and the COMMIT), when the rows are locked in SKU order, so that their
 *   locks are held for one update and that last round trip only. Valid as long as the changes still fit the locked rows (no negative
 *   figure, no more reserved than on hand): then every decision made on the unlocked read stands as it would have
 *   on the locked one. If they do not fit, the transaction fails with StockChangedError and its records are handled
 *   again one by one, `locked`.
 * - `locked` (one record at a time, and the fallback): every row is locked in SKU order before it is read.
 */
export type StockMode = 'late' | 'locked';

/** The batch's stock did not hold still: its changes no longer fit. Retried record by record, with locks. */
export class StockChangedError extends TransientError {
  constructor(skus: readonly string[]) {
    super(`stock of ${skus.join(', ')} changed while the batch was decided; handled again with locks`, 'STOCK_CHANGED');
  }
}

/** Stock as a step sees it in one transaction: read, then written once (see StockMode). */
export class StockAccess {
  private read_: StockLevel[] | undefined;

  constructor(
    private readonly tx: PoolClient,
    readonly mode: StockMode,
  ) {}

  /** The current levels of these SKUs (unknown SKUs are absent); locked first in `locked` mode. Once per step. */
  async read(skus: readonly string[]): Promise<StockLevel[]> {
    if (this.read_) throw new Error('stock is read once per step');
    this.read_ = await (this.mode === 'locked' ? lockStock(this.tx, skus) : readStock(this.tx, skus));
    return this.read_;
  }

  /** Writes the levels the domain computed from what read() returned (now, or at commit in `late` mode). */
  async write(levels: readonly StockLevel[]): Promise<void> {
    const from = this.read_;
    if (!from) throw new Error('stock written before it was read');
    if (levels.length === 0) return;
    const deltas = deltasBetween(from, levels);
    if (this.mode === 'locked') return applyDeltas(this.tx, deltas);
    beforeCommit(this.tx, async () => {
      // Locked in SKU order, checked and written in one statement: the rows stay locked for it and the commit only.
      const unfit = await applyDeltasIfFit(this.tx, deltas);
      if (unfit.length > 0) throw new StockChangedError(unfit);
    });
  }
}

/** What a set-based step of inventory works with: the transaction, its stock, a logger per item. */
export interface StepContext<T extends EventType> {
  tx: PoolClient;
  stock: StockAccess;
  logOf: (item: BatchItem<EventMap[T]>) => Logger;
}

/**
 * One consumed event type of inventory: a set-based step that handles events in offset order and returns what each
 * one emits, aligned with them. In `late` stock mode it may return null before it wrote anything, when it cannot
 * decide without locks (a shortage, an expired reservation): it is then run again in `locked` mode.
 */
export interface Step<T extends EventType> {
  handle: (items: BatchItem<EventMap[T]>[], ctx: StepContext<T>) => Promise<Emit[][] | null>;
}

/** The batch handler of a step: `late` stock, `locked` when the step cannot decide so. */
export function batchHandlerOf<T extends EventType>(step: Step<T>): BatchEventHandler<T> {
  return async (items, { tx, log }) => {
    const logOf = ({ event, metadata }: BatchItem<EventMap[T]>) =>
      log.child({ orderId: event.orderId, correlationId: metadata.correlationId, eventId: metadata.eventId });
    const late = await step.handle(items, { tx, stock: new StockAccess(tx, 'late'), logOf });
    if (late) return late;
    const locked = await step.handle(items, { tx, stock: new StockAccess(tx, 'locked'), logOf });
    if (!locked) throw new Error('a step returned null with locked stock');
    return locked;
  };
}

/** The record-at-a-time handler of a step (the fallback): the same step over a batch of one, with locked stock. */
export function handlerOf<T extends EventType>(step: Step<T>): EventHandler<T> {
  return async (event, { tx, log, metadata, message }) => {
    const emits = await step.handle([{ event, metadata, message }], {
      tx,
      stock: new StockAccess(tx, 'locked'),
      logOf: () => log,
    });
    if (!emits) throw new Error('a step returned null with locked stock');
    return emits[0] ?? [];
  };
}
