import type { Router } from 'express';
import { z } from 'zod';
import { parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { notificationsOfOrder } from './db/notifications';
import type { Config } from './config';

const byOrder = z.object({ orderId: z.string().trim().min(1).max(200) });

/** GET /notifications?orderId=… — what the customer was told about an order, oldest first. */
export function routes(router: Router, { pool, readAccess }: ServiceDeps<Config>): void {
  router.get('/notifications', readAccess, async (req, res) => {
    const { orderId } = parseInput(byOrder, req.query);
    res.json({ orderId, notifications: await notificationsOfOrder(pool, orderId) });
  });
}
