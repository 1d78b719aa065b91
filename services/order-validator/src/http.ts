import type { Router } from 'express';
import { z } from 'zod';
import { notFound, parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { findOrder } from './db/orders';
import type { Config } from './config';

const orderIdParam = z.object({ id: z.string().min(1).max(200) });

/** GET /orders/:id — the validation decision for an order. */
export function routes(router: Router, { pool, readAccess }: ServiceDeps<Config>): void {
  router.get('/orders/:id', readAccess, async (req, res) => {
    const { id } = parseInput(orderIdParam, req.params);
    const order = await findOrder(pool, id);
    if (!order) throw notFound(`order ${id}`);
    res.json(order);
  });
}
