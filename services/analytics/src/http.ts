import type { Router } from 'express';
import { z } from 'zod';
import { notFound, parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { listEvents } from './db/events';
import { findOrder } from './db/orders';
import { readSummary } from './db/summary';
import { buildTimeline } from './domain/timeline';
import type { Config } from './config';

const orderIdParam = z.object({ id: z.string().min(1).max(200) });

/**
 * GET /orders/:id/timeline — every event of an order in order, its stage and step durations.
 * GET /summary — funnel, revenue per currency, failure reasons, stage timings.
 */
export function routes(router: Router, { pool, readAccess }: ServiceDeps<Config>): void {
  router.get('/orders/:id/timeline', readAccess, async (req, res) => {
    const { id } = parseInput(orderIdParam, req.params);
    const order = await findOrder(pool, id);
    if (!order) throw notFound(`order ${id}`);
    const timeline = buildTimeline(id, order.stamps, await listEvents(pool, id));
    res.json({
      ...timeline,
      currency: order.currency,
      totalMinor: order.totalMinor,
      failureReason: order.failureReason,
    });
  });

  router.get('/summary', async (_req, res) => {
    res.json(await readSummary(pool));
  });
}
