import { randomUUID } from 'node:crypto';
import type { EventHandler } from '@orderflow/service-kit';
import { PermanentError } from '@orderflow/errors';
import { decideReservation, type StockLevel, type StockLine } from '../domain/reservation';
import { insertReservation, lockReservation } from '../db/reservations';
import { applyLevels, lockStock } from '../db/stock';

/**
 * When an order is validated, reserve every line or none, then record the outcome: inventory.reserved (carrying the
 * order forward) or inventory.rejected (with every shortage). An order that already holds a reservation is not
 * reserved twice.
 */
export const onOrderValidated: EventHandler<'order.validated'> = async ({ orderId, order }, { tx, log, metadata }) => {
  if (await lockReservation(tx, orderId)) {
    log.warn('order already has a reservation; not reserved twice');
    return [];
  }
  const skus = order.lines.map((l) => l.sku);
  const stock = await lockStock(tx, skus);
  const decision = decide(order.lines, stock);
  const now = Date.now();
  if (decision.outcome === 'REJECTED') {
    log.info({ shortages: decision.shortages }, 'stock short; nothing reserved');
    return [
      {
        type: 'inventory.rejected',
        event: { orderId, customer: order.customer, shortages: decision.shortages, rejectedAt: now },
      },
    ];
  }
  const reservationId = randomUUID();
  await applyLevels(tx, stock, decision.levels);
  await insertReservation(tx, { orderId, reservationId, lines: decision.lines }, metadata);
  log.info({ reservationId, lines: decision.lines }, 'stock reserved');
  return [{ type: 'inventory.reserved', event: { orderId, order, reservationId, reservedAt: now } }];
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
