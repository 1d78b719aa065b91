import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Logger } from './logger';

/** An HTTP error with a JSON body: `{ error: { code, message, field? } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} not found`);

/** Parses `input` with a zod schema; a failure is a 400 naming the first field at fault. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw new HttpError(
    400,
    'INVALID_REQUEST',
    issue ? `${field ?? 'request'}: ${issue.message}` : 'invalid request',
    field,
  );
}

/** Bearer-token guard for admin routes: 401 without credentials, 403 with the wrong ones. */
export function requireBearer(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (!header?.startsWith('Bearer ')) return next(new HttpError(401, 'UNAUTHENTICATED', 'bearer token required'));
    if (!token || header.slice(7) !== token) return next(new HttpError(403, 'FORBIDDEN', 'token not accepted'));
    next();
  };
}

export interface HealthCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: unknown }>;
}

export interface HttpAppOptions {
  logger: Logger;
  /** Readiness checks (database, broker, consumer, relay). */
  checks: HealthCheck[];
  /** True once shutdown began: readiness turns 503 so the load balancer drains us. */
  draining: () => boolean;
  /** Prometheus-style text for /metrics. */
  metrics?: () => Promise<string>;
  /** The service's query routes. */
  routes: (router: Router) => void;
}

/** The express app of a service, without listen() so tests can mount it: health, metrics, routes, JSON errors. */
export function createHttpApp(o: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const results = await Promise.all(
      o.checks.map(async (c) => {
        try {
          const r = await withTimeout(c.check(), 2000);
          return { name: c.name, ...r };
        } catch (err) {
          return { name: c.name, ok: false, detail: (err as Error).message };
        }
      }),
    );
    const draining = o.draining();
    const ok = !draining && results.every((r) => r.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : draining ? 'draining' : 'not-ready', checks: results });
  });
  if (o.metrics) {
    const metrics = o.metrics;
    app.get('/metrics', async (_req, res) => {
      res.type('text/plain; version=0.0.4').send(await metrics());
    });
  }
  const router = express.Router();
  o.routes(router);
  app.use(router);
  app.use((_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'no such route')));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) {
      res
        .status(err.status)
        .json({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed' || e.status === 400) {
      res.status(400).json({ error: { code: 'INVALID_JSON', message: 'request body is not valid JSON' } });
      return;
    }
    o.logger.error({ err, path: req.path }, 'request failed');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
