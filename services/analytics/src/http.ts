import type { Router } from 'express';
import { z } from 'zod';
import { notFound, parseInput, type ServiceDeps } from '@orderflow/service-kit';
import { listEvents } from './db/events';
import { findOrder } from './db/orders';
import { listStuck } from './db/stuck';
import { inSnapshot, readSummary } from './db/summary';
import { stuckAt } from './domain/deadlines';
import { buildTimeline } from './domain/timeline';
import type { Config } from './config';
import { dashboardRoutes } from './dashboard/routes';

const orderIdParam = z.object({ id: z.string().min(1).max(200) });

const stuckQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/**
 * GET /orders/stuck — orders waiting on a step past its deadline (STEP_DEADLINES), longest waiting first.
 * GET /orders/:id/timeline — every event of an order in order, its stage (STUCK with the step when it is) and step
 * durations.
 * GET /summary — funnel, revenue per currency, failure reasons, stage timings.
 * GET /dashboard… — the live dashboard (see dashboard/routes.ts).
 */
export function routes(router: Router, deps: ServiceDeps<Config>): void {
  const { pool, config, readAccess } = deps;
  router.get('/orders/stuck', readAccess, async (req, res) => {
    const { limit } = parseInput(stuckQuery, req.query);
    res.json({ deadlinesMs: config.STEP_DEADLINES, orders: await listStuck(pool, config.STEP_DEADLINES, limit) });
  });

  router.get('/orders/:id/timeline', readAccess, async (req, res) => {
    const { id } = parseInput(orderIdParam, req.params);
    // The order's state and its events from one snapshot: read apart, an event committed in between would show on
    // the timeline with the stage from before it (an order past its deadlines then reads STUCK with all its events).
    const read = await inSnapshot(pool, async (c) => {
      const order = await findOrder(c, id);
      return order && { order, events: await listEvents(c, id) };
    });
    if (!read) throw notFound(`order ${id}`);
    const { order, events } = read;
    const timeline = buildTimeline(id, order.stamps, events);
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

  dashboardRoutes(router, deps);
}
