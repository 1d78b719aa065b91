import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/**
 * Request hygiene that every route shares, so no handler (or PostgreSQL behind it) ever sees a NUL byte, invalid
 * UTF-8 or an unbounded value: such input is answered 4xx here, before routing.
 */

/** Longest request target (path + query) accepted; longer is 414. */
export const MAX_URL_LENGTH = 2048;
/** Request bodies larger than this are 413. */
export const MAX_BODY_BYTES = 100 * 1024;

/** A client error with a JSON body: `{ error: { code, message, field?, requestId? } }`. */
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

// C0 controls (NUL included) and DEL: never part of an id, a SKU or a query value.
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict percent-decoding: malformed escapes and invalid UTF-8 throw (decodeURIComponent's own rule). */
function decodeStrict(s: string, where: 'path' | 'query'): string {
  let v: string;
  try {
    v = decodeURIComponent(where === 'query' ? s.replace(/\+/g, ' ') : s);
  } catch {
    throw new HttpError(400, where === 'path' ? 'INVALID_PATH' : 'INVALID_QUERY', `${where} is not valid UTF-8`);
  }
  if (CONTROL.test(v))
    throw new HttpError(
      400,
      where === 'path' ? 'INVALID_PATH' : 'INVALID_QUERY',
      `${where} contains a control character`,
    );
  return v;
}

/** An incoming X-Request-Id is kept if it is short and plain; otherwise we make one. */
function requestIdOf(req: Request): string {
  const given = req.header('x-request-id');
  return given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}

/** First middleware: gives the request an id, then rejects targets that are too long or not clean UTF-8. */
export function checkRequestTarget(req: Request, res: Response, next: NextFunction): void {
  const id = requestIdOf(req);
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  const url = req.url;
  if (url.length > MAX_URL_LENGTH)
    return next(new HttpError(414, 'URI_TOO_LONG', `request target longer than ${MAX_URL_LENGTH} characters`));
  // Raw bytes outside printable ASCII must be percent-encoded; Node hands them over as latin1 otherwise.
  if (/[^\u0021-\u007e]/.test(url)) return next(new HttpError(400, 'INVALID_PATH', 'request target is not encoded'));
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  try {
    for (const segment of path.split('/')) decodeStrict(segment, 'path');
    for (const pair of query.split('&')) for (const part of pair.split('=')) decodeStrict(part, 'query');
  } catch (err) {
    return next(err);
  }
  next();
}

/** body-parser's `verify`: a JSON body must be valid UTF-8 (the parser would silently substitute U+FFFD). */
export function verifyUtf8(_req: unknown, _res: unknown, buf: Buffer): void {
  try {
    utf8.decode(buf);
  } catch {
    throw new HttpError(400, 'INVALID_ENCODING', 'request body is not valid UTF-8');
  }
}

/** After parsing: no string anywhere in the body may hold a NUL (PostgreSQL text cannot store it). */
export function checkBodyStrings(req: Request, _res: Response, next: NextFunction): void {
  const stack: unknown[] = [req.body];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return next(new HttpError(400, 'INVALID_REQUEST', 'body contains a NUL character'));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) return next(new HttpError(400, 'INVALID_REQUEST', 'body contains a NUL character'));
        stack.push(x);
      }
    }
  }
  next();
}

/** body-parser and router errors (they carry a 4xx `status` and a `type`), as the client error they describe. */
const PARSER_ERRORS: Record<string, [string, string]> = {
  'entity.parse.failed': ['INVALID_JSON', 'request body is not valid JSON'],
  'entity.too.large': ['PAYLOAD_TOO_LARGE', `request body larger than ${MAX_BODY_BYTES} bytes`],
  'encoding.unsupported': ['UNSUPPORTED_ENCODING', 'unsupported content encoding'],
  'charset.unsupported': ['UNSUPPORTED_CHARSET', 'unsupported charset'],
  'request.aborted': ['REQUEST_ABORTED', 'request aborted'],
  'request.size.invalid': ['INVALID_REQUEST', 'request size did not match content length'],
  'parameters.too.many': ['INVALID_REQUEST', 'too many parameters'],
};

/**
 * The client error an unknown error stands for, if it is one: a parser/router error with a 4xx status, or a
 * PostgreSQL data exception (class 22: input the validation should have caught). undefined: a server fault.
 */
export function clientErrorOf(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const e = (err ?? {}) as { type?: string; status?: number; statusCode?: number; code?: unknown };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = e.type ? PARSER_ERRORS[e.type] : undefined;
    if (known) return new HttpError(status, known[0], known[1]);
    if (err instanceof URIError) return new HttpError(400, 'INVALID_PATH', 'path is not valid percent-encoding');
    return new HttpError(status, 'BAD_REQUEST', 'bad request');
  }
  if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code))
    return new HttpError(400, 'INVALID_REQUEST', 'request holds a value the database cannot take');
  return undefined;
}

/** PostgreSQL unavailable (connection, admin shutdown, resources): 503, the client may retry. */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return /^(08|53|57P)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code);
}

/**
 * Malformed HTTP (bad request line, header overflow, unknown method) never reaches express: Node answers it with a
 * bare status line. Answer it in the same JSON error shape instead.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, text] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'Request Header Fields Too Large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'REQUEST_TIMEOUT', 'Request Timeout']
          : [400, 'BAD_REQUEST', 'Bad Request'];
    const body = JSON.stringify({ error: { code, message: 'malformed HTTP request' } });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
