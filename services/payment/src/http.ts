import type { Router } from 'express';
import { z } from 'zod';
import { notFound, parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { findPayment } from './db/payments';
import type { Config } from './config';

const orderIdParam = z.object({ orderId: z.string().min(1).max(200) });

/** GET /payments/:orderId — the payment of an order: charged, failed or refunded. */
export function routes(router: Router, { pool }: ServiceDeps<Config>): void {
  router.get('/payments/:orderId', async (req, res) => {
    const { orderId } = parseInput(orderIdParam, req.params);
    const payment = await findPayment(pool, orderId);
    if (!payment) throw notFound(`payment of order ${orderId}`);
    // The customer is kept for refund notices, not for this endpoint.
    res.json({ ...payment, customer: undefined });
  });
}
