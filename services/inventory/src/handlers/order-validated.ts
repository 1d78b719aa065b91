import { randomUUID } from 'node:crypto';
import type { Emit } from '@orderflow/outbox';
import { PermanentError } from '@orderflow/errors';
import { decideReservation, StockBook, type StockLevel, type StockLine } from '../domain/reservation';
import { insertReservations, ordersWithReservation, type NewReservation } from '../db/reservations';
import type { Step } from './batch';

/**
 * When orders are validated, reserve every line of each or none, in the order they came, then record the outcomes:
 * inventory.reserved (carrying the order forward) or inventory.rejected (with every shortage). An order that already
 * holds a reservation is not reserved twice. Each order is decided against the stock its predecessors left; the
 * batch then writes its reservations once and the stock once (at commit on the batch path: see StockMode).
 */
export const onOrderValidated: Step<'order.validated'> = {
  handle: async (items, { tx, stock, logOf }) => {
    const held = await ordersWithReservation(
      tx,
      items.map((i) => i.event.orderId),
    );
    const book = new StockBook(await stock.read(items.flatMap((i) => i.event.order.lines.map((l) => l.sku))));
    const decisions = items.map((item) => {
      const { orderId, order } = item.event;
      if (held.has(orderId)) return { item, outcome: 'HELD' as const };
      const decision = decide(order.lines, book.levelsOf(order.lines));
      if (decision.outcome === 'RESERVED') {
        book.carry(decision.levels);
        held.add(orderId);
      }
      return { item, ...decision };
    });
    // A shortage seen without locks may be gone by the commit: decide it again on locked rows (see StockMode).
    if (stock.mode === 'late' && decisions.some((d) => d.outcome === 'REJECTED')) return null;
    const reservations: NewReservation[] = [];
    const emitted = decisions.map((d): Emit[] => {
      const { orderId, order } = d.item.event;
      const log = logOf(d.item);
      const now = Date.now();
      if (d.outcome === 'HELD') {
        log.warn('order already has a reservation; not reserved twice');
        return [];
      }
      if (d.outcome === 'REJECTED') {
        log.debug({ shortages: d.shortages }, 'stock short; nothing reserved');
        const event = { orderId, customer: order.customer, shortages: d.shortages, rejectedAt: now };
        return [{ type: 'inventory.rejected', event }];
      }
      const reservationId = randomUUID();
      const { eventId, correlationId } = d.item.metadata;
      reservations.push({ orderId, reservationId, lines: d.lines, cause: { eventId, correlationId } });
      log.debug({ reservationId, lines: d.lines }, 'stock reserved');
      return [{ type: 'inventory.reserved', event: { orderId, order, reservationId, reservedAt: now } }];
    });
    await insertReservations(tx, reservations);
    await stock.write(book.changed());
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
