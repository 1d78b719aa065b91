import type { Router } from 'express';
import { z } from 'zod';
import { notFound, parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { listEvents } from './db/events';
import { findOrder } from './db/orders';
import { listStuck } from './db/stuck';
import { readSummary } from './db/summary';
import { stuckAt } from './domain/deadlines';
import { buildTimeline } from './domain/timeline';
import type { Config } from './config';

const orderIdParam = z.object({ id: z.string().min(1).max(200) });

const stuckQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/**
 * GET /orders/stuck — orders waiting on a step past its deadline (STEP_DEADLINES), longest waiting first.
 * GET /orders/:id/timeline — every event of an order in order, its stage (STUCK with the step when it is) and step
 * durations.
 * GET /summary — funnel, revenue per currency, failure reasons, stage timings.
 */
export function routes(router: Router, { pool, config }: ServiceDeps<Config>): void {
  router.get('/orders/stuck', async (req, res) => {
    const { limit } = parseInput(stuckQuery, req.query);
    res.json({ deadlinesMs: config.STEP_DEADLINES, orders: await listStuck(pool, config.STEP_DEADLINES, limit) });
  });

  router.get('/orders/:id/timeline', async (req, res) => {
    const { id } = parseInput(orderIdParam, req.params);
    const order = await findOrder(pool, id);
    if (!order) throw notFound(`order ${id}`);
    const timeline = buildTimeline(id, order.stamps, await listEvents(pool, id));
    const stuck = stuckAt(order.stamps, Date.now(), config.STEP_DEADLINES);
    res.json({
      ...timeline,
      ...(stuck ? { stage: 'STUCK', stuck } : {}),
      currency: order.currency,
      totalMinor: order.totalMinor,
      failureReason: order.failureReason,
    });
  });

  router.get('/summary', async (_req, res) => {
    res.json(await readSummary(pool));
  });
}
