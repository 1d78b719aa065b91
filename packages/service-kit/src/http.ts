import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Server } from 'node:http';
import type { z } from 'zod';
import type { Logger } from './logger';
import {
  answerClientErrors,
  checkBodyStrings,
  checkRequestTarget,
  clientErrorOf,
  HttpError,
  isUnavailable,
  MAX_BODY_BYTES,
  verifyUtf8,
} from './http-input';
import { tokenMatches } from './secrets';

export { HttpError };

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

/**
 * Bearer-token guard: 401 without credentials, 403 with the wrong ones (compared in constant time). No token
 * configured means nobody gets in.
 */
export function requireBearer(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (!header?.startsWith('Bearer ')) return next(new HttpError(401, 'UNAUTHENTICATED', 'bearer token required'));
    if (!token || !tokenMatches(token, header.slice(7)))
      return next(new HttpError(403, 'FORBIDDEN', 'token not accepted'));
    next();
  };
}

/**
 * Guard of read routes that return personal data: a bearer token when one is configured, open otherwise (the local
 * demo; the runtime logs a warning then, and refuses to start that way outside development).
 */
export function requireReadToken(token: string | undefined) {
  const guard = requireBearer(token);
  return (req: Request, res: Response, next: NextFunction) => (token ? guard(req, res, next) : next());
}

/** Listens, answering malformed HTTP in the JSON error shape too. */
export function listen(app: Express, port: number, host: string): Promise<Server> {
  // Express 5 calls the listen callback with the error too (a taken port), instead of emitting it.
  return new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) =>
      err ? reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`)) : resolve(s),
    );
    answerClientErrors(s);
  });
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
  app.use(checkRequestTarget);
  app.use(express.json({ limit: MAX_BODY_BYTES, verify: verifyUtf8 }), checkBodyStrings);
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
    const requestId = res.locals.requestId as string | undefined;
    const send = (status: number, code: string, message: string, field?: string) => {
      if (res.headersSent) return void res.end();
      // The id is always in X-Request-Id; in the body of server errors too, for the report a client files.
      res
        .status(status)
        .json({ error: { code, message, ...(field ? { field } : {}), ...(status >= 500 ? { requestId } : {}) } });
    };
    const client = clientErrorOf(err);
    if (client) {
      // A database data exception means validation let something through: answer 400 but keep a trace of it.
      if (!(err instanceof HttpError) && client.code === 'INVALID_REQUEST')
        o.logger.warn({ err, requestId, path: req.path }, 'input reached the database unvalidated');
      return send(client.status, client.code, client.message, client.field);
    }
    if (isUnavailable(err)) {
      o.logger.warn({ err, requestId, path: req.path }, 'request failed: a dependency is unavailable');
      return send(503, 'UNAVAILABLE', 'service temporarily unavailable; retry later');
    }
    o.logger.error({ err, requestId, method: req.method, path: req.path }, 'request failed');
    send(500, 'INTERNAL', 'internal error');
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
