import { randomUUID } from 'node:crypto';
import type { Emit } from '@orderflow/outbox';
import { PermanentError } from '@orderflow/errors';
import { decideReservation, StockBook, type StockLevel, type StockLine } from '../domain/reservation';
import { insertReservations, ordersWithReservation, type NewReservation } from '../db/reservations';
import { applyLevels, lockStock } from '../db/stock';
import type { Step } from './batch';

/**
 * When orders are validated, reserve every line of each or none, in the order they came, then record the outcomes:
 * inventory.reserved (carrying the order forward) or inventory.rejected (with every shortage). An order that already
 * holds a reservation is not reserved twice. Each order is decided against the stock its predecessors left; the
 * batch then writes the stock once and its reservations once.
 */
export const onOrderValidated: Step<'order.validated'> = {
  lock: (tx, events) =>
    lockStock(
      tx,
      events.flatMap((e) => e.order.lines.map((l) => l.sku)),
    ),
  handle: async (items, { tx, stock, logOf }) => {
    const held = await ordersWithReservation(
      tx,
      items.map((i) => i.event.orderId),
    );
    const book = new StockBook(stock);
    const reservations: NewReservation[] = [];
    const emitted = items.map((item): Emit[] => {
      const { orderId, order } = item.event;
      const log = logOf(item);
      if (held.has(orderId)) {
        log.warn('order already has a reservation; not reserved twice');
        return [];
      }
      const decision = decide(order.lines, book.levelsOf(order.lines));
      const now = Date.now();
      if (decision.outcome === 'REJECTED') {
        log.debug({ shortages: decision.shortages }, 'stock short; nothing reserved');
        const event = { orderId, customer: order.customer, shortages: decision.shortages, rejectedAt: now };
        return [{ type: 'inventory.rejected', event }];
      }
      const reservationId = randomUUID();
      book.carry(decision.levels);
      held.add(orderId);
      const { eventId, correlationId } = item.metadata;
      reservations.push({ orderId, reservationId, lines: decision.lines, cause: { eventId, correlationId } });
      log.debug({ reservationId, lines: decision.lines }, 'stock reserved');
      return [{ type: 'inventory.reserved', event: { orderId, order, reservationId, reservedAt: now } }];
    });
    await applyLevels(tx, stock, book.changed());
    await insertReservations(tx, reservations);
    return emitted;
  },
};

function decide(lines: readonly StockLine[], stock: readonly StockLevel[]) {
  try {
    return decideReservation(lines, stock);
  } catch (err) {
    // order-validator lets only positive quantities through; anything else breaks the contract and never will apply.
    throw new PermanentError(`order lines cannot be reserved: ${(err as Error).message}`, 'INVALID_LINES', {
      cause: err,
    });
  }
}
