/**
 * Process hygiene of `npm start` and of a service process: a second npm start fails clearly instead of reporting
 * the first one's services as its own; a signal to npm start's process (not only Ctrl-C in a terminal) leaves no
 * process behind; its service processes run with the platform's V8 settings; a supervised service goes down with
 * its supervisor, even after a kill -9 of it; a service that cannot bind its HTTP port exits non-zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SERVICE_NODE_OPTIONS } from '@orderflow/ops';
import { createTestDatabase, freePort, testEnv, uniquePrefix, waitFor } from '@orderflow/testing';

const root = path.resolve(__dirname, '..', '..');

function run(file: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** The first port the kernel hands out to outgoing connections (other test files' clients take them any time). */
function ephemeralLow(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/**
 * BASE_PORT with its 6 service ports and 6 relay ports (+100) free, all below the ephemeral range: a port in it that
 * is free now may be some client's local port a moment later (seen: "port 35044 is in use").
 */
async function freeBase(): Promise<number> {
  const span = Math.max(1000, ephemeralLow() - 106 - 20000);
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * span);
    const ports = [0, 1, 2, 3, 4, 5].flatMap((i) => [base + i, base + 100 + i]);
    if (!(await Promise.all(ports.map(listening))).some(Boolean)) return base;
  }
}
async function ready(p: { output(): string; exited: Promise<number | null> }) {
  let exited = false;
  void p.exited.then(() => (exited = true));
  await waitFor(() => p.output().includes('services ready') || exited, { timeoutMs: 200_000 }).catch(() => undefined);
  if (!p.output().includes('services ready'))
    throw new Error(`npm start did not get ready:\n${p.output().slice(-3000)}`);
}
/** The direct children of a process (Linux /proc): command line and environment. */
function childrenOf(ppid: number): { cmd: string; env: Map<string, string> }[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) return [];
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        const vars = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
        const env = new Map(vars.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
        return [{ cmd, env }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

const portsOf = (base: number) => [0, 1, 2, 3, 4, 5].flatMap((i) => [base + i, base + 100 + i]);

describe('npm start', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('start');
  });
  afterAll(() => db?.drop());

  async function startPlatform(base: number, lock: string, prefix: string) {
    const env = {
      BASE_PORT: String(base),
      SMTP_PORT: String(await freePort()),
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testEnv().brokers.join(','),
      SCHEMA_REGISTRY_URL: testEnv().registryUrl,
      TOPIC_PREFIX: prefix,
      START_LOCK_FILE: lock,
      DEMO_RATE: '2',
      NODE_OPTIONS: '', // not the test runner's: npm start's own default applies
    };
    return { env, ...run('tools/start.js', env) };
  }

  it('refuses a second start, and a signal to it leaves no process behind', async () => {
    const lock = path.join(os.tmpdir(), `${uniquePrefix('lock')}pid`);
    const base = await freeBase();
    const first = await startPlatform(base, lock, uniquePrefix('start'));
    await ready(first);
    // Six workers and six relays, each with the V8 settings the image sets (SERVICE_NODE_OPTIONS).
    const services = childrenOf(first.child.pid!).filter((p) => /services\/[a-z-]+\/dist\/main\.js/.test(p.cmd));
    expect(services).toHaveLength(12);
    for (const p of services)
      expect({ cmd: p.cmd, NODE_OPTIONS: p.env.get('NODE_OPTIONS') }).toEqual({
        cmd: p.cmd,
        NODE_OPTIONS: SERVICE_NODE_OPTIONS,
      });

    const second = run('tools/start.js', { ...first.env, BASE_PORT: String(await freeBase()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/already running \(pid \d+\)/);
    expect(await listening(base)).toBe(true); // the first one is untouched

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    for (const port of portsOf(base)) expect(await listening(port)).toBe(false);
  }, 300_000);
});

/** A service's environment against a fresh database of its own (it bootstraps its role with DATABASE_ADMIN_URL). */
function serviceEnv(dbUrl: string, port: number): NodeJS.ProcessEnv {
  const u = new URL(dbUrl);
  u.username = 'order_validator_svc';
  u.password = 'orderflow';
  return {
    DATABASE_URL: u.toString(),
    DATABASE_ADMIN_URL: dbUrl,
    KAFKA_BROKERS: testEnv().brokers.join(','),
    SCHEMA_REGISTRY_URL: testEnv().registryUrl,
    TOPIC_PREFIX: uniquePrefix('proc'),
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
  };
}

describe('a service process', () => {
  it('started by a supervisor, goes down with it even when the supervisor is killed with -9', async () => {
    const db = await createTestDatabase('orphan');
    const port = await freePort();
    // A minimal supervisor as npm start is one: the service on an IPC channel, marked as supervised.
    const supervisor = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('child_process').fork(${JSON.stringify(path.join(root, 'services/order-validator/dist/main.js'))},
           { env: { ...process.env, ORDERFLOW_SUPERVISED: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
         console.log('child', c.pid); setInterval(() => {}, 1000);`,
      ],
      // ROLE=relay: HTTP and the relay only, so it stays up without the topics a consumer would need.
      { env: { ...process.env, ...serviceEnv(db.url, port), ROLE: 'relay' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      supervisor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const pid = await waitFor(() => Number(/child (\d+)/.exec(out)?.[1]) || undefined, { description: 'child pid' });
      await waitFor(() => listening(port), { timeoutMs: 120_000, description: 'the service listening' });
      supervisor.kill('SIGKILL');
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        { timeoutMs: 60_000, description: 'the orphaned service gone' },
      );
    } finally {
      supervisor.kill('SIGKILL');
      await db.drop();
    }
  }, 200_000);

  it('exits non-zero when it cannot bind its HTTP port', async () => {
    const db = await createTestDatabase('bind');
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    let svc: ReturnType<typeof run> | undefined;
    try {
      svc = run('services/order-validator/dist/main.js', serviceEnv(db.url, port));
      const code = await Promise.race([svc.exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code).toBe(1);
      expect(svc.output()).toMatch(/cannot listen on 127\.0\.0\.1:\d+/);
    } finally {
      (svc?.child as ChildProcess | undefined)?.kill('SIGKILL');
      blocker.close();
      await db.drop();
    }
  }, 90_000);
});
