/**
 * The six services as separate OS processes, each twice: ROLE=worker (consumer, background tasks, HTTP) and
 * ROLE=relay (outbox relay, HTTP). A supervisor brings back any process that exits, as an orchestrator would: after a
 * kill -9 from the fault injector, or after a start that failed because the broker was away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serviceDatabaseUrl, dbSchemaOf } from '@orderflow/service-kit';
import {
  ADMIN_TOKEN,
  freePort,
  getJson,
  READ_TOKEN,
  rolePassword,
  SERVICES,
  waitFor,
  type ServiceName,
} from '@orderflow/testing';

export type Role = 'worker' | 'relay';
export const ROLES: readonly Role[] = ['worker', 'relay'];

export interface ClusterOptions {
  databaseUrl: string;
  brokers: string[];
  registryUrl: string;
  prefix: string;
  smtpPort: number;
  logDir: string;
  env?: Record<string, string>;
}

interface Slot {
  service: ServiceName;
  role: Role;
  port: number;
  child?: ChildProcess;
  /** Set while the harness itself kills or stops the process (so the exit is expected). */
  expectedExit: boolean;
  starts: number;
  unexpectedExits: number;
  /**
   * Its last start found the HTTP port taken: freePort's port is free when picked, but until the process binds it
   * any other process on the machine may take it (another test's service, or an outgoing connection's ephemeral
   * port). The next start gets a new one (seen once in CI: a relay retried a taken port for 150 s).
   */
  portTaken?: boolean;
}

/** A process that went down by itself (not killed by the injector, not a failed start): a finding, not a fault. */
export interface Crash {
  process: string;
  at: number;
  /** The log lines that say why (the uncaught error). */
  reason: string;
}

const root = path.resolve(__dirname, '..', '..');

export class Cluster {
  private readonly slots: Slot[] = [];
  readonly crashes: Crash[] = [];
  /** Starts that failed (e.g. the broker was away): the supervisor tried again. */
  failedStarts = 0;
  private running = false;

  constructor(private readonly o: ClusterOptions) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.o.logDir, { recursive: true });
    for (const service of SERVICES)
      for (const role of ROLES)
        this.slots.push({ service, role, port: await freePort(), expectedExit: false, starts: 0, unexpectedExits: 0 });
    this.running = true;
    // Workers first (they apply the migrations), then the relays.
    for (const role of ROLES)
      await Promise.all(this.slots.filter((s) => s.role === role).map((s) => this.spawn(s).then(() => this.ready(s))));
  }

  private slot(service: ServiceName, role: Role): Slot {
    const s = this.slots.find((x) => x.service === service && x.role === role);
    if (!s) throw new Error(`no process ${service}/${role}`);
    return s;
  }

  port(service: ServiceName, role: Role = 'worker'): number {
    return this.slot(service, role).port;
  }

  get(service: ServiceName, urlPath: string) {
    return getJson(this.port(service), urlPath, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  }

  async setStock(sku: string, onHand: number): Promise<void> {
    const r = await getJson(this.port('inventory'), `/stock/${encodeURIComponent(sku)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ onHand }),
    });
    if (r.status !== 200) throw new Error(`PUT /stock/${sku}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  private env(s: Slot): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      // Production mode, as deployed (and as the e2e Platform runs): password from a file, tokens for reads.
      ORDERFLOW_ENV: 'production',
      DATABASE_URL: serviceDatabaseUrl(this.o.databaseUrl, dbSchemaOf(s.service), ''),
      DATABASE_PASSWORD_FILE: rolePassword(dbSchemaOf(s.service)).file,
      READ_TOKEN,
      KAFKA_BROKERS: this.o.brokers.join(','),
      SCHEMA_REGISTRY_URL: this.o.registryUrl,
      TOPIC_PREFIX: this.o.prefix,
      HTTP_PORT: String(s.port),
      HTTP_HOST: '127.0.0.1',
      ROLE: s.role,
      LOG_LEVEL: 'info',
      RELAY_POLL_MS: '200',
      DB_POOL_MAX: '4',
      ADMIN_TOKEN,
      SMTP_PORT: String(this.o.smtpPort),
      ...this.o.env,
    };
  }

  private async spawn(s: Slot): Promise<void> {
    if (s.portTaken) {
      s.port = await freePort();
      s.portTaken = false;
    }
    const log = path.join(this.o.logDir, `${s.service}-${s.role}.log`);
    const out = fs.openSync(log, 'a');
    fs.writeSync(out, `--- chaos: start #${s.starts + 1} at ${new Date().toISOString()}\n`);
    const from = fs.fstatSync(out).size;
    const child = spawn(process.execPath, [path.join(root, 'services', s.service, 'dist', 'main.js')], {
      env: this.env(s),
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    s.child = child;
    s.starts += 1;
    s.expectedExit = false;
    child.once('exit', () => {
      if (s.child !== child) return;
      s.child = undefined;
      if (!s.expectedExit) {
        s.unexpectedExits += 1;
        this.classifyExit(s, log, from);
      }
      // Back after a short pause, whatever took it down (the injector, or a start while the broker was away).
      if (this.running) setTimeout(() => this.running && !s.child && void this.spawn(s), s.expectedExit ? 500 : 1500);
    });
  }

  /** Reads what the process wrote since its start: a failed start, or a crash of a running process. */
  private classifyExit(s: Slot, log: string, from: number): void {
    const text = fs.readFileSync(log).subarray(from).toString('utf8');
    if (/failed to start/.test(text)) {
      this.failedStarts += 1;
      s.portTaken = /EADDRINUSE/.test(text);
      return;
    }
    const lines = text.split('\n').filter((l) => l && !l.startsWith('{'));
    const reason =
      lines.find((l) => /^\w*Error|^error:/.test(l.trim())) ?? lines.slice(0, 3).join(' | ') ?? 'no output';
    this.crashes.push({ process: `${s.service}/${s.role}`, at: Date.now(), reason: reason.trim().slice(0, 300) });
  }

  private async ready(s: Slot): Promise<void> {
    await waitFor(async () => (await getJson(s.port, '/health/ready')).status === 200, {
      timeoutMs: 120000,
      intervalMs: 250,
      description: `${s.service}/${s.role} ready (log: ${this.o.logDir})`,
    });
  }

  /** kill -9 of one process: no shutdown hook, no offset commit, no relay hand-over. The supervisor restarts it. */
  async kill(service: ServiceName, role: Role): Promise<boolean> {
    const s = this.slot(service, role);
    const child = s.child;
    if (!child || child.exitCode !== null) return false;
    s.expectedExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    return true;
  }

  /** Every process up and ready (after the faults, before the checker reads). */
  async allReady(): Promise<boolean> {
    const r = await Promise.all(
      this.slots.map(
        async (s) => !!s.child && (await getJson(s.port, '/health/ready').catch(() => ({ status: 0 }))).status === 200,
      ),
    );
    return r.every(Boolean);
  }

  stats() {
    return this.slots.map((s) => ({
      process: `${s.service}/${s.role}`,
      starts: s.starts,
      unexpectedExits: s.unexpectedExits,
    }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(
      this.slots.map(async (s) => {
        const child = s.child;
        if (!child || child.exitCode !== null) return;
        s.expectedExit = true;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 30000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}
