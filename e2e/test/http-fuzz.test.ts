/**
 * Bad HTTP input, as an attacker would send it, to every route of every service (six processes in production mode,
 * real PostgreSQL and Kafka): random paths, methods, headers, bodies and encodings (fast-check), and malformed HTTP
 * on a raw socket. Never a 5xx, every error in the JSON error shape, and nothing written to any schema.
 */
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Client } from 'pg';
import { ADMIN_TOKEN, Platform, READ_TOKEN, SERVICES, waitFor, type ServiceName } from '@orderflow/testing';

const p = new Platform();
/** Generated requests per service (FUZZ_RUNS); FUZZ_SEED repeats a run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
jest.setTimeout(300000);
beforeAll(() => p.start(), 180000);
afterAll(() => p.stop(), 60000);

/** Every route of every service, with a placeholder for the path parameter. */
const ROUTES: Record<ServiceName, string[]> = {
  'order-validator': ['GET /orders/{}'],
  inventory: ['GET /stock/{}', 'PUT /stock/{}', 'GET /reservations/{}'],
  payment: ['GET /payments/{}'],
  fulfillment: ['GET /shipments/{}'],
  notification: ['GET /notifications?orderId={}'],
  analytics: ['GET /orders/{}/timeline', 'GET /summary'],
};
const COMMON = ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /{}', 'POST /{}'];

/** Percent-escapes of arbitrary bytes: malformed UTF-8, overlongs, surrogates, NUL. */
const escapedBytes = fc
  .uint8Array({ minLength: 1, maxLength: 12 })
  .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join(''));
const nasty = fc.constantFrom(
  '%00',
  'a%00b',
  '%',
  '%zz',
  '%C0%80',
  '%ED%A0%80',
  '%FF%FE',
  '%E2%82',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  "1'%20OR%20'1'%3D'1",
  '%0D%0ASet-Cookie:%20x',
  '%F0%9F%92%A9',
  'x'.repeat(3000),
  '',
);
const segment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', minLength: 150, maxLength: 1200 }).map(encodeURIComponent),
  escapedBytes,
  nasty,
);

/** Bodies that no route accepts (a valid stock count is filtered out: it would be a legitimate write). */
const body = fc.oneof(
  { arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), weight: 6 },
  { arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)), weight: 4 },
  {
    arbitrary: fc
      .constantFrom(
        '{"onHand": "5"}',
        '{"onHand": -1}',
        '{"onHand": 1e20}',
        '{"onHand": 1.5}',
        '{"onHand": 5, "x": "\\u0000"}',
        '{"on\\u0000Hand": 5}',
        '{"onHand": 5',
        '[[[[[[[[[[[[[[[[[[[[',
        '\u00ff\u00fe{"onHand": 5}',
      )
      .map((s) => Buffer.from(s, 'latin1')),
    weight: 6,
  },
  {
    arbitrary: fc.constant(
      Buffer.concat([Buffer.from('{"onHand": 5, "s": "'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
    ),
    weight: 2,
  },
  { arbitrary: fc.constant(Buffer.from(`[${'['.repeat(50000)}`)), weight: 1 },
  { arbitrary: fc.constant(Buffer.alloc(3 * 1024 * 1024, 'a')), weight: 1 },
);
const header = fc.record(
  {
    authorization: fc.oneof(
      fc.constantFrom(`Bearer ${READ_TOKEN}`, `Bearer ${ADMIN_TOKEN}`, 'Bearer ', 'Basic abc', `bearer ${ADMIN_TOKEN}`),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${encodeURIComponent(s)}`),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=bogus',
    ),
    'content-encoding': fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'bogus'),
    'x-request-id': fc.string({ maxLength: 100 }).map(encodeURIComponent),
  },
  { requiredKeys: [] },
);
const request = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
  useRouteMethod: fc.boolean(),
  param: segment,
  query: fc.option(fc.array(fc.tuple(segment, segment), { maxLength: 4 }), { nil: undefined }),
  headers: header,
  body: fc.option(body, { nil: undefined }),
  gzip: fc.boolean(),
});

function isLegitimateWrite(method: string, headers: Record<string, string>, raw: Buffer | undefined): boolean {
  if (method !== 'PUT' || headers.authorization !== `Bearer ${ADMIN_TOKEN}` || !raw) return false;
  try {
    const v = JSON.parse(raw.toString('utf8')) as { onHand?: unknown };
    return Number.isInteger(v?.onHand);
  } catch {
    return false;
  }
}

interface Seen {
  status: number;
  contentType: string | null;
  text: string;
}

/** Never a 5xx; an error is JSON `{ error: { code, message } }` (HEAD has no body by definition). */
function checkResponse(what: string, method: string, r: Seen): void {
  // Readiness answers 503 while a dependency is slow or away (its contract, not a fault): a box under load does that.
  if (r.status === 503 && /\/health\/ready/.test(what) && /"status":"(not-ready|draining)"/.test(r.text)) return;
  if (r.status >= 500) throw new Error(`${what} → ${r.status} ${r.text.slice(0, 300)}`);
  if (r.status < 400 || method === 'HEAD') return;
  if (!r.contentType?.startsWith('application/json'))
    throw new Error(`${what} → ${r.status} not JSON: ${r.contentType}`);
  const b = JSON.parse(r.text) as { error?: { code?: unknown; message?: unknown } };
  if (typeof b.error?.code !== 'string' || typeof b.error.message !== 'string')
    throw new Error(`${what} → ${r.status} without the error shape: ${r.text.slice(0, 300)}`);
}

/** Every table of every service schema, as a digest of its rows: "nothing written" means equal digests. */
async function snapshot(): Promise<Record<string, string>> {
  const c = new Client({ connectionString: p.databaseUrl });
  await c.connect();
  try {
    const tables = await c.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' AND table_name <> 'relay_lease' ORDER BY 1, 2`,
      [SERVICES.map((s) => s.replace(/-/g, '_'))],
    );
    const out: Record<string, string> = {};
    for (const { s, t } of tables.rows) {
      const r = await c.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${s}"."${t}" x`,
      );
      out[`${s}.${t}`] = `${r.rows[0].n}:${r.rows[0].h}`;
    }
    return out;
  } finally {
    await c.end();
  }
}

async function send(port: number, method: string, target: string, headers: Record<string, string>, raw?: Buffer) {
  const res = await fetch(`http://127.0.0.1:${port}${target}`, {
    method,
    headers,
    ...(raw && method !== 'GET' && method !== 'HEAD' ? { body: new Uint8Array(raw) } : {}),
    // A request the service never answers is a finding too (and must not hang the test).
    signal: AbortSignal.timeout(15000),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** Raw bytes on a socket: what fetch would refuse to send (NUL and high bytes in the target, broken headers). */
function sendRaw(port: number, bytes: Buffer): Promise<Seen | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => resolve(undefined)); // a reset connection is not an answer, and not a 5xx
    s.setTimeout(5000, () => s.destroy());
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return resolve(undefined);
      const [head, ...rest] = text.split('\r\n\r\n');
      const ct = /\r\ncontent-type: ([^\r\n]+)/i.exec(head ?? '')?.[1] ?? null;
      const bodyText = rest.join('\r\n\r\n');
      const chunked = /\r\ntransfer-encoding: chunked/i.test(head ?? '');
      resolve({ status: Number(m[1]), contentType: ct, text: chunked ? dechunk(bodyText) : bodyText });
    });
  });
}

function dechunk(s: string): string {
  let out = '';
  for (let rest = s; ;) {
    const i = rest.indexOf('\r\n');
    const n = parseInt(rest.slice(0, i), 16);
    if (!n) return out;
    out += rest.slice(i + 2, i + 2 + n);
    rest = rest.slice(i + 4 + n);
  }
}

const RAW_REQUESTS: Buffer[] = [
  Buffer.from('GET /payments/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'),
  Buffer.from('GET /payments/\u00ff\u00fe HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'),
  Buffer.from('GET /orders/%00 HTTP/1.1\r\nHost: x\r\n\r\n'),
  Buffer.from('FOO / HTTP/1.1\r\nHost: x\r\n\r\n'),
  Buffer.from('GET / HTTP/1.1\r\nBad Header\r\n\r\n'),
  Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`),
  Buffer.from('GET / HTTP/9.9\r\n\r\n'),
  Buffer.from('\u0000\u0001\u0002garbage\r\n\r\n', 'latin1'),
  Buffer.from(
    'PUT /stock/SKU-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ),
  Buffer.from(
    'PUT /stock/SKU-1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9999\r\n\r\n{}',
  ),
  Buffer.from('GET http://evil.example/%00 HTTP/1.1\r\nHost: x\r\n\r\n'),
  Buffer.from('GET /health/live?%ZZ=1 HTTP/1.1\r\nHost: x\r\n\r\n'),
];

describe('bad HTTP input to every service', () => {
  it('the reported cases: a NUL in the path, a 3 MB body, a 400 that is not JSON at all', async () => {
    const auth = { authorization: `Bearer ${READ_TOKEN}` };
    const nul = await send(p.port('payment'), 'GET', '/payments/%00', auth);
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.text).error).toMatchObject({ code: 'INVALID_PATH' });
    const big = await send(
      p.port('inventory'),
      'PUT',
      '/stock/SKU-1',
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      Buffer.from(JSON.stringify({ onHand: 5, pad: 'a'.repeat(3 * 1024 * 1024) })),
    );
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const badEscape = await send(p.port('payment'), 'GET', '/payments/%E0%A4%A', auth);
    expect(badEscape.status).toBe(400);
    expect(JSON.parse(badEscape.text).error.code).toBe('INVALID_PATH');
    const badJson = await send(
      p.port('inventory'),
      'PUT',
      '/stock/SKU-1',
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      Buffer.from('{"onHand":'),
    );
    expect(JSON.parse(badJson.text).error.code).toBe('INVALID_JSON');
  });

  it('personal data needs the read token; stock levels do not', async () => {
    expect((await send(p.port('payment'), 'GET', '/payments/ord-1', {})).status).toBe(401);
    expect((await send(p.port('payment'), 'GET', '/payments/ord-1', { authorization: 'Bearer wrong' })).status).toBe(
      403,
    );
    expect((await p.get('payment', '/payments/ord-1')).status).toBe(404);
    expect((await send(p.port('notification'), 'GET', '/notifications?orderId=o', {})).status).toBe(401);
    expect((await send(p.port('inventory'), 'GET', '/stock/SKU-NONE', {})).status).toBe(404);
    // The read token does not open admin routes.
    const put = await send(
      p.port('inventory'),
      'PUT',
      '/stock/SKU-1',
      { authorization: `Bearer ${READ_TOKEN}`, 'content-type': 'application/json' },
      Buffer.from('{"onHand": 1}'),
    );
    expect(put.status).toBe(403);
  });

  it('generated requests to every route: never a 5xx, always the JSON error shape, nothing written', async () => {
    const before = await snapshot();
    let sent = 0;
    for (const service of SERVICES) {
      const port = p.port(service);
      const routes = [...ROUTES[service], ...COMMON];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), request, async (route, r) => {
          const [routeMethod, template] = route.split(' ') as [string, string];
          const method = r.useRouteMethod ? routeMethod : r.method;
          let target = template.replace('{}', r.param);
          if (r.query) target += `${target.includes('?') ? '&' : '?'}${r.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
          const headers: Record<string, string> = Object.fromEntries(
            Object.entries(r.headers).filter(([, v]) => v !== undefined),
          ) as Record<string, string>;
          let raw = r.body;
          if (raw && r.gzip && headers['content-encoding'] === 'gzip') raw = gzipSync(raw);
          if (isLegitimateWrite(method, headers, raw)) return;
          const what = `${service} ${method} ${target.slice(0, 200)} ${JSON.stringify(headers).slice(0, 200)}`;
          sent += 1;
          checkResponse(what, method, await send(port, method, target, headers, raw));
        }),
        // endOnFailure: report the first failing request as it is (shrinking re-sends megabytes for minutes).
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 1e9), endOnFailure: true },
      );
      for (const raw of RAW_REQUESTS) {
        const seen = await sendRaw(port, raw);
        if (seen) checkResponse(`${service} raw ${JSON.stringify(raw.toString('latin1').slice(0, 60))}`, 'GET', seen);
      }
    }
    expect(sent).toBeGreaterThan(SERVICES.length * RUNS * 0.8); // a few legitimate writes are skipped
    expect(await snapshot()).toEqual(before);
    // The services are still healthy after all of it.
    for (const s of SERVICES)
      await waitFor(async () => (await p.get(s, '/health/ready')).status === 200, { description: `${s} ready` });
  });
});
