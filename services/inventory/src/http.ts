import type { Router } from 'express';
import { z } from 'zod';
import { HttpError, notFound, parseInput, requireBearer, type ServiceDeps } from '@orderflow/service-kit';
import { available, SKU_PATTERN, type StockLevel } from './domain/reservation';
import { findReservation } from './db/reservations';
import { findStock, setOnHand } from './db/stock';
import type { Config } from './config';

const skuParam = z.object({ sku: z.string().regex(SKU_PATTERN, 'is not a valid SKU') });
const orderIdParam = z.object({ orderId: z.string().min(1).max(200) });
const stockBody = z.object({ onHand: z.number().int().min(0).max(2147483647) });

const view = (s: StockLevel) => ({ sku: s.sku, onHand: s.onHand, reserved: s.reserved, available: available(s) });

/**
 * GET /stock/:sku and GET /reservations/:orderId — what is on hand, held and free; what an order holds.
 * PUT /stock/:sku (admin) — a stock count: sets the units on hand, creating the SKU if new.
 */
export function routes(router: Router, { pool, config, readAccess }: ServiceDeps<Config>): void {
  router.get('/stock/:sku', async (req, res) => {
    const { sku } = parseInput(skuParam, req.params);
    const stock = await findStock(pool, sku);
    if (!stock) throw notFound(`sku ${sku}`);
    res.json(view(stock));
  });

  router.put('/stock/:sku', requireBearer(config.ADMIN_TOKEN), async (req, res) => {
    const { sku } = parseInput(skuParam, req.params);
    const { onHand } = parseInput(stockBody, req.body ?? {});
    const stock = await setOnHand(pool, sku, onHand);
    if (!stock) throw new HttpError(409, 'CONFLICT', `more than ${onHand} units of ${sku} are reserved`, 'onHand');
    res.json(view(stock));
  });

  router.get('/reservations/:orderId', readAccess, async (req, res) => {
    const { orderId } = parseInput(orderIdParam, req.params);
    const reservation = await findReservation(pool, orderId);
    if (!reservation) throw notFound(`reservation of order ${orderId}`);
    res.json(reservation);
  });
}
