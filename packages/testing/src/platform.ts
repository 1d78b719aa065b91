import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bootstrapDatabases, SERVICES, SERVICE_NODE_OPTIONS } from '@orderflow/ops';
import { dbSchemaOf, serviceDatabaseUrl } from '@orderflow/service-kit';
import { createTestDatabase, freePort, rolePassword, testEnv, uniquePrefix, waitFor } from './env';
import { TestKafka } from './kafka';
import { getJson } from './service';
import { startSmtpSink } from './smtp';

export type ServiceName = (typeof SERVICES)[number];
export { SERVICES };

const root = path.resolve(__dirname, '..', '..', '..');
export const ADMIN_TOKEN = 'e2e-admin-token-not-the-demo';
/** The e2e services run in production mode: every read of personal data needs this token. */
export const READ_TOKEN = 'e2e-read-token-not-the-demo';

/**
 * The whole platform for one e2e test file: the six services as separate OS processes (their built dist/main.js),
 * each with its own role and schema in a fresh database, on topics under a prefix of their own, an SMTP sink, and
 * a TestKafka to play the upstream system and read topics back.
 */
export class Platform {
  readonly prefix = uniquePrefix('e2e');
  readonly kafka = new TestKafka(this.prefix);
  readonly ports = new Map<ServiceName, number>();
  private readonly procs = new Map<ServiceName, ChildProcess>();
  private db!: Awaited<ReturnType<typeof createTestDatabase>>;
  smtp!: Awaited<ReturnType<typeof startSmtpSink>>;
  readonly logDir = path.join(root, '.logs', 'e2e', this.prefix.replace(/\.$/, ''));

  constructor(private readonly extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {}) {}

  async start(): Promise<void> {
    for (const s of SERVICES)
      if (!fs.existsSync(this.entry(s))) throw new Error(`${this.entry(s)} missing: run npm run build`);
    fs.mkdirSync(this.logDir, { recursive: true });
    await this.kafka.setup(3);
    this.db = await createTestDatabase('e2e');
    await bootstrapDatabases(this.db.url, (schema) => rolePassword(schema).password);
    this.smtp = await startSmtpSink();
    for (const s of SERVICES) this.ports.set(s, await freePort());
    const launched = await Promise.allSettled(SERVICES.map((s) => this.launch(s)));
    const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // A benchmark calls stop() only after a successful start: leave no service running behind a failed one.
      await this.stop();
      throw failed.reason;
    }
  }

  private entry(s: ServiceName): string {
    return path.join(root, 'services', s, 'dist', 'main.js');
  }

  env(s: ServiceName): NodeJS.ProcessEnv {
    const env = testEnv();
    return {
      PATH: process.env.PATH,
      // As deployed (the Dockerfile's NODE_OPTIONS); SERVICE_NODE_OPTIONS replaces them for an experiment.
      NODE_OPTIONS: process.env.SERVICE_NODE_OPTIONS ?? SERVICE_NODE_OPTIONS,
      // Production mode, as deployed: the role's password from a file, tokens for admin and personal-data reads.
      ORDERFLOW_ENV: 'production',
      DATABASE_URL: serviceDatabaseUrl(this.db.url, dbSchemaOf(s), ''),
      DATABASE_PASSWORD_FILE: rolePassword(dbSchemaOf(s)).file,
      READ_TOKEN,
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.registryUrl,
      TOPIC_PREFIX: this.prefix,
      HTTP_PORT: String(this.ports.get(s)),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RELAY_POLL_MS: '200',
      DB_POOL_MAX: '4',
      ADMIN_TOKEN,
      SMTP_PORT: String(this.smtp.port),
      ...this.extraEnv[s],
    };
  }

  /** Starts (or restarts) one service process and waits until it reports ready. */
  async launch(s: ServiceName): Promise<void> {
    const out = fs.openSync(path.join(this.logDir, `${s}.log`), 'a');
    // CPU_PROFILE=analytics,inventory: V8 CPU profiles of those services, written next to their logs on exit.
    const profile = process.env.CPU_PROFILE?.split(',').includes(s)
      ? ['--cpu-prof', `--cpu-prof-dir=${this.logDir}`]
      : [];
    const child = spawn(process.execPath, [...profile, this.entry(s)], {
      env: this.env(s),
      stdio: ['ignore', out, out],
    });
    this.procs.set(s, child);
    const log = path.join(this.logDir, `${s}.log`);
    const gone = () => child.exitCode !== null || child.signalCode !== null;
    // Ready, or gone: a process that exits while starting fails the launch at once, not after the timeout.
    // Generous: on a loaded 2-core box, joining the group and loading the tracing SDK can take a while.
    await waitFor(async () => gone() || (await getJson(this.port(s), '/health/ready')).status === 200, {
      timeoutMs: 120000,
      intervalMs: 200,
      description: `${s} ready`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}; log: ${log}`);
    });
    if (gone()) throw new Error(`${s} exited (${child.exitCode ?? child.signalCode}) while starting; log: ${log}`);
  }

  /** kill -9: no shutdown hooks, no offset commit, no relay hand-over. */
  async crash(s: ServiceName): Promise<void> {
    const p = this.procs.get(s);
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stopService(s: ServiceName): Promise<number | null> {
    const p = this.procs.get(s);
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill('SIGTERM');
    return exited;
  }

  /** OS process id of a running service (benchmarks read its memory). */
  pid(s: ServiceName): number | undefined {
    return this.procs.get(s)?.pid;
  }

  port(s: ServiceName): number {
    const p = this.ports.get(s);
    if (!p) throw new Error(`no port for ${s}`);
    return p;
  }

  get(s: ServiceName, urlPath: string) {
    return getJson(this.port(s), urlPath, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  }

  /** Admin connection string of the platform's database (tests count rows, bench reads state). */
  get databaseUrl(): string {
    return this.db.url;
  }

  async setStock(sku: string, onHand: number): Promise<void> {
    const r = await getJson(this.port('inventory'), `/stock/${encodeURIComponent(sku)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ onHand }),
    });
    if (r.status !== 200) throw new Error(`PUT /stock/${sku}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  async stop(): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.stopService(s)));
    await this.smtp?.close();
    await this.kafka.close();
    await this.db?.drop();
  }
}

/** Stages analytics reports while an order is still on its way (a failed fulfillment is still being compensated). */
const PASSING_STAGES = new Set(['IN_PROGRESS', 'FULFILLMENT_FAILED']);

/** The terminal stage analytics reports for an order, once it has one. */
export async function terminalStage(p: Pick<Platform, 'get'>, orderId: string): Promise<string | undefined> {
  const r = await p.get('analytics', `/orders/${orderId}/timeline`);
  if (r.status !== 200) return undefined;
  return PASSING_STAGES.has(r.body.stage) ? undefined : r.body.stage;
}
