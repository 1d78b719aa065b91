import type { PoolClient } from 'pg';
import type { EventMap, EventType } from '@orderflow/contracts';
import type { BatchItem, Emit } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import type { StockLevel } from '../domain/reservation';

/** What a set-based step of inventory works with: the transaction, the locked stock rows, a logger per item. */
export interface StepContext<T extends EventType> {
  tx: PoolClient;
  /** Every stock row the items can touch, locked in SKU order before the step runs. */
  stock: readonly StockLevel[];
  logOf: (item: BatchItem<EventMap[T]>) => Logger;
}

/**
 * One consumed event type of inventory: which stock rows its events touch (locked first, in SKU order), and the
 * set-based step that handles events in offset order and returns what each one emits, aligned with them.
 */
export interface Step<T extends EventType> {
  lock: (tx: PoolClient, events: EventMap[T][]) => Promise<StockLevel[]>;
  handle: (items: BatchItem<EventMap[T]>[], ctx: StepContext<T>) => Promise<Emit[][]>;
}

/** The batch handler of a step: one lock pass over the whole batch, in SKU order, then the step. */
export function batchHandlerOf<T extends EventType>(step: Step<T>): BatchEventHandler<T> {
  return async (items, { tx, log }) => {
    const stock = await step.lock(
      tx,
      items.map((i) => i.event),
    );
    return step.handle(items, {
      tx,
      stock,
      logOf: ({ event, metadata }) =>
        log.child({ orderId: event.orderId, correlationId: metadata.correlationId, eventId: metadata.eventId }),
    });
  };
}

/** The record-at-a-time handler of a step: the same step over a batch of one, so both paths have the same effect. */
export function handlerOf<T extends EventType>(step: Step<T>): EventHandler<T> {
  return async (event, { tx, log, metadata, message }) => {
    const stock = await step.lock(tx, [event]);
    const [emits] = await step.handle([{ event, metadata, message }], { tx, stock, logOf: () => log });
    return emits ?? [];
  };
}
