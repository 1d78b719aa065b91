/**
 * What `kubectl scale` relies on, with processes: inventory runs as 3 worker replicas (ROLE=worker) and 2 relay
 * replicas (ROLE=relay) under a steady stream of orders. Mid-stream one worker gets SIGTERM, one kill -9, and the
 * active relay kill -9; later inventory scales back to 3 workers. Partitions are spread (every worker handles
 * records), every order ends, nothing is reserved, charged, shipped or emailed twice, stock is exact, at most one
 * relay leads at any sample and the standby takes over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { aCustomer, aLine, anAddress, anOrder, freePort, getJson, waitFor } from '@orderflow/testing';
import { Platform, terminalStage } from '@orderflow/testing';

/* eslint-disable @typescript-eslint/no-explicit-any -- health bodies are arbitrary JSON */
const p = new Platform({ inventory: { ROLE: 'worker' } });
const entry = path.resolve(__dirname, '..', '..', 'services', 'inventory', 'dist', 'main.js');
jest.setTimeout(420000);

interface Replica {
  id: string;
  port: number;
  proc?: ChildProcess;
  exit?: Promise<number | null>;
  processed: number;
}

/** Starts one more inventory process next to the platform's (same database, topics and group). */
async function replica(id: string, role: 'worker' | 'relay'): Promise<Replica> {
  const port = await freePort();
  const out = fs.openSync(path.join(p.logDir, `inventory-${id}.log`), 'a');
  const proc = spawn(process.execPath, [entry], {
    env: { ...p.env('inventory'), ROLE: role, HTTP_PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const log = path.join(p.logDir, `inventory-${id}.log`);
  // Ready, or gone: a replica that exits while starting (say, no database connection slot) fails at once.
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  await waitFor(async () => gone() || (await getJson(port, '/health/ready')).status === 200, {
    timeoutMs: 60000,
    intervalMs: 200,
    description: `inventory ${id} ready (log: ${log})`,
  });
  if (gone())
    throw new Error(`inventory ${id} exited (${proc.exitCode ?? proc.signalCode}) while starting; log: ${log}`);
  return { id, port, proc, exit, processed: 0 };
}

const check = async (port: number, name: string) =>
  ((await getJson(port, '/health/ready')).body?.checks ?? []).find((c: any) => c.name === name)?.detail;

const workers: Replica[] = [];
/** Set when the test ends, so that a failed run does not keep publishing into a stopped platform. */
let finished = false;
const relays: Replica[] = [];

beforeAll(async () => {
  await p.start();
  workers.push({ id: 'w0', port: p.port('inventory'), processed: 0 });
  workers.push(await replica('w1', 'worker'), await replica('w2', 'worker'));
  relays.push(await replica('r0', 'relay'), await replica('r1', 'relay'));
}, 240000);
afterAll(async () => {
  finished = true;
  for (const r of [...workers, ...relays]) if (r.proc?.exitCode === null) r.proc.kill('SIGTERM');
  await Promise.all([...workers, ...relays].map((r) => r.exit));
  await p.stop();
}, 90000);

it('3 workers + 2 relays: SIGTERM, kill -9 and a dead leader lose nothing and double nothing', async () => {
  const SKU = 'SCALE-1';
  const STOCK = 100000;
  await p.setStock(SKU, STOCK);
  const kinds = ['happy', 'happy', 'happy', 'decline', 'undeliverable'] as const;
  const makeOrder = (i: number) => {
    const kind = kinds[i % kinds.length]!;
    return {
      kind,
      order: anOrder({
        customer: aCustomer({ email: `scale-${i}@example.com` }),
        lines: [aLine({ sku: SKU, quantity: 1 + (i % 3) })],
        ...(kind === 'decline' ? { paymentMethodToken: 'tok_decline' } : {}),
        ...(kind === 'undeliverable' ? { shippingAddress: anAddress({ postalCode: '00000' }) } : {}),
      }),
    };
  };
  const orders: ReturnType<typeof makeOrder>[] = [];
  const scaled: Replica[] = [];

  // Sample every 250 ms: per-worker processed counts, and how many relays lead at once.
  let maxLeaders = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling && !finished) {
      await Promise.all(
        workers.map(async (w) => {
          const d = await check(w.port, 'consumer').catch(() => undefined);
          if (d) w.processed = Math.max(w.processed, d.processed);
        }),
      );
      const roles = await Promise.all(
        relays.map((r) =>
          check(r.port, 'outbox-relay').then(
            (d) => d?.role,
            () => undefined,
          ),
        ),
      );
      maxLeaders = Math.max(maxLeaders, roles.filter((x) => x === 'leader').length);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const t0 = Date.now();
  // ~10 orders/s until the scaled-up workers have taken partitions over (a member killed with -9 holds its
  // partitions until its session times out), at most 150 s.
  const publishing = (async () => {
    for (let i = 0; !finished && Date.now() - t0 < 150000; i++) {
      const done = scaled.length === 2 && scaled.every((w) => w.processed > 0);
      if (done) break;
      orders.push(makeOrder(i));
      await p.kafka.publish('order.created', orders[i]!.order);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - Date.now())));

  // Partitions are spread: under the steady stream, every one of the three workers handles records.
  await waitFor(() => workers.every((w) => w.processed > 0), {
    timeoutMs: 60000,
    description: 'each of the 3 workers to handle records',
  });
  const spread = workers.map((w) => w.processed);
  const tD = Date.now() - t0;
  expect(await p.stopService('inventory')).toBe(0); // w0: SIGTERM, clean drain
  workers.splice(0, 1);

  await at(tD + 4000);
  const w1 = workers.find((w) => w.id === 'w1')!;
  w1.proc!.kill('SIGKILL');
  await w1.exit;
  workers.splice(workers.indexOf(w1), 1);

  await at(tD + 8000);
  const roles = await Promise.all(relays.map((r) => check(r.port, 'outbox-relay')));
  const leader = relays[roles.findIndex((d) => d?.role === 'leader')]!;
  const standby = relays.find((r) => r !== leader)!;
  leader.proc!.kill('SIGKILL');
  const killedAt = Date.now();
  await leader.exit;
  relays.splice(relays.indexOf(leader), 1);
  await waitFor(async () => (await check(standby.port, 'outbox-relay'))?.role === 'leader', {
    timeoutMs: 60000,
    intervalMs: 50,
    description: 'the standby relay to lead',
  });
  const takeoverMs = Date.now() - killedAt;

  await at(tD + 12000);
  scaled.push(await replica('w3', 'worker'), await replica('w4', 'worker'));
  workers.push(...scaled);
  await publishing;

  const stages = await waitFor(
    async () => {
      const s = await Promise.all(orders.map((o) => terminalStage(p, o.order.orderId)));
      return s.every(Boolean) ? s : undefined;
    },
    { timeoutMs: 180000, intervalMs: 1000, description: `all ${orders.length} orders terminal` },
  );
  sampling = false;
  await sampler;

  const expected = { happy: 'FULFILLED', decline: 'PAYMENT_FAILED', undeliverable: 'REFUNDED' };
  expect(stages).toEqual(orders.map((o) => expected[o.kind]));
  // The two scaled-up workers took partitions over.
  expect(scaled.every((w) => w.processed > 0)).toBe(true);
  expect(maxLeaders).toBe(1);

  // No duplicate effect: one reservation, one charge, one shipment per order (distinct event ids; the relay may
  // publish an event twice after a crash, consumers drop the repeat by its id), one email per order and outcome.
  const distinctPerOrder = async (type: 'inventory.reserved' | 'payment.processed' | 'order.fulfilled') => {
    const ids = new Map<string, Set<string>>();
    for (const e of await p.kafka.events(type))
      ids.set(e.orderId, (ids.get(e.orderId) ?? new Set()).add(e.metadata.eventId));
    return [...ids.values()].filter((s) => s.size > 1).length;
  };
  expect(await distinctPerOrder('inventory.reserved')).toBe(0);
  expect(await distinctPerOrder('payment.processed')).toBe(0);
  expect(await distinctPerOrder('order.fulfilled')).toBe(0);
  const mails = await waitFor(
    () =>
      orders.every((o) => p.smtp.mails.some((m) => m.to.includes(o.order.customer.email))) ? p.smtp.mails : undefined,
    { timeoutMs: 60000, description: 'an email for every order' },
  );
  const perMail = new Map<string, number>();
  for (const m of mails) perMail.set(`${m.to} ${m.subject}`, (perMail.get(`${m.to} ${m.subject}`) ?? 0) + 1);
  expect([...perMail.values()].filter((n) => n > 1)).toEqual([]);

  // Stock is exact: everything shipped left, everything released came back.
  const shipped = orders.filter((o) => o.kind === 'happy').reduce((s, o) => s + o.order.lines[0]!.quantity, 0);
  const stock = await waitFor(
    async () => {
      const s = (await getJson(workers[0]!.port, `/stock/${SKU}`).catch(() => undefined))?.body;
      return s?.reserved === 0 && s.onHand === STOCK - shipped ? s : undefined;
    },
    { timeoutMs: 60000, description: `stock ${STOCK - shipped} with nothing reserved` },
  );
  expect(stock).toMatchObject({ onHand: STOCK - shipped, reserved: 0 });

  process.stdout.write(
    `scaling: ${orders.length} orders in ${((Date.now() - t0) / 1000).toFixed(0)} s; per-worker records before disruption ${spread.join('/')}, after scale-up ` +
      `${scaled.map((w) => w.processed).join('/')}; relay takeover after kill -9 of the leader: ${takeoverMs} ms\n`,
  );
});
