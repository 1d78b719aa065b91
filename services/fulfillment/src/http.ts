import type { Router } from 'express';
import { z } from 'zod';
import { notFound, parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { findShipment } from './db/shipments';
import type { Config } from './config';

const orderIdParam = z.object({ orderId: z.string().min(1).max(200) });

/** GET /shipments/:orderId — the shipment (or the failure to ship) of an order. */
export function routes(router: Router, { pool, readAccess }: ServiceDeps<Config>): void {
  router.get('/shipments/:orderId', readAccess, async (req, res) => {
    const { orderId } = parseInput(orderIdParam, req.params);
    const shipment = await findShipment(pool, orderId);
    if (!shipment) throw notFound(`shipment of order ${orderId}`);
    res.json(shipment);
  });
}
