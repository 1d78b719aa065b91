import path from 'node:path';
import express, { type Router } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '@orderflow/contracts';
import { listDeadLetters, redrive } from '@orderflow/ops';
import { parseInput, requireBearer, type ServiceDeps } from '@orderflow/service-kit';
import type { Config } from '../config';
import { DashboardHub } from './hub';

const PUBLIC = path.join(__dirname, '..', '..', 'public');
/** uPlot's browser build, served from the installed package: no CDN, nothing fetched at run time. */
const UPLOT = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const deadLetterParams = z.object({ type: z.enum(EVENT_TYPES as unknown as [string, ...string[]]) });
const redriveBody = z.object({
  type: z.enum(EVENT_TYPES as unknown as [string, ...string[]]),
  key: z.string().min(1).max(200).optional(),
});

/**
 * GET /dashboard — the live dashboard (static page and assets);
 * GET /dashboard/stream — its data as server-sent events, one snapshot per DASHBOARD_INTERVAL_MS;
 * GET /dashboard/dead-letters/:type — the dead letters of an event type's topic;
 * POST /dashboard/dead-letters/redrive — sends them back (admin token), {type, key?}.
 */
export function dashboardRoutes(router: Router, deps: ServiceDeps<Config>): void {
  const { config } = deps;
  const hub = new DashboardHub(deps);
  const brokers = config.KAFKA_BROKERS;
  const topicOf = (type: string) => `${config.TOPIC_PREFIX}${type}`;

  router.get('/dashboard', (_req, res) => res.sendFile(path.join(PUBLIC, 'index.html')));
  router.use('/dashboard/assets', express.static(PUBLIC, { index: false, maxAge: '1h' }));
  router.use('/dashboard/vendor/uplot', express.static(UPLOT, { index: false, maxAge: '1d' }));
  router.get('/dashboard/stream', (req, res) => hub.attach(req, res));
  router.get('/dashboard/snapshot', async (_req, res) => {
    res.json(await hub.snapshot());
  });
  router.get('/dashboard/dead-letters/:type', async (req, res) => {
    const { type } = parseInput(deadLetterParams, req.params);
    res.json({ type, deadLetters: await listDeadLetters({ brokers, topic: topicOf(type) }) });
  });
  router.post('/dashboard/dead-letters/redrive', requireBearer(config.ADMIN_TOKEN), async (req, res) => {
    const { type, key } = parseInput(redriveBody, req.body);
    res.json({ type, ...(await redrive({ brokers, topic: topicOf(type), ...(key ? { key } : {}) })) });
  });
}
