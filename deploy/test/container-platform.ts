import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON printed by the ops CLI */
import { dbSchemaOf, serviceDatabaseUrl } from '@orderflow/service-kit';
import {
  ADMIN_TOKEN,
  createTestDatabase,
  freePort,
  getJson,
  READ_TOKEN,
  SERVICES,
  startSmtpSink,
  testEnv,
  TestKafka,
  uniquePrefix,
  waitFor,
  type ServiceName,
} from '@orderflow/testing';
import { containerEngine, imageName } from '../../tools/images';

const root = path.resolve(__dirname, '..', '..');
export type Role = 'worker' | 'relay';

/**
 * Whether this machine can run the images, and why not. CI sets ORDERFLOW_REQUIRE_CONTAINERS=1, which turns a skip
 * into a failure.
 */
export function containerSupport(): { ok: true; engine: string; env: NodeJS.ProcessEnv } | { ok: false; why: string } {
  const e = containerEngine();
  if (!e) return { ok: false, why: 'neither podman nor a running docker engine is available' };
  const missing = [...SERVICES, 'ops'].filter(
    (s) => spawnSync(e.engine, ['image', 'inspect', imageName(s)], { env: e.env, stdio: 'ignore' }).status !== 0,
  );
  if (missing.length) return { ok: false, why: `images missing (${missing.join(', ')}): run npm run images` };
  return { ok: true, ...e };
}

interface Running {
  name: string;
  port: number;
  proc: ChildProcess;
  exit: Promise<number | null>;
}

/**
 * The six services as containers from their images, a worker and a relay each, on the host network against the
 * machine's Kafka, registry and PostgreSQL; topics under a prefix of their own, a fresh database, an SMTP sink.
 */
export class ContainerPlatform {
  readonly prefix = uniquePrefix('ctr');
  readonly kafka = new TestKafka(this.prefix);
  readonly running = new Map<string, Running>();
  smtp!: Awaited<ReturnType<typeof startSmtpSink>>;
  private smtpReady?: ReturnType<typeof startSmtpSink>;
  /** What the ops image printed for db-bootstrap and setup (JSON). */
  setupOutput!: { dbBootstrap: any; setup: any };
  private db!: Awaited<ReturnType<typeof createTestDatabase>>;
  /** Each service role's password, random per run: db-bootstrap sets them, the service containers log in with them. */
  private readonly passwords = new Map<ServiceName, string>(
    SERVICES.map((s) => [s, randomBytes(18).toString('base64url')]),
  );
  readonly logDir = path.join(root, '.logs', 'containers', this.prefix.replace(/\.$/, ''));

  constructor(private readonly engine: { engine: string; env: NodeJS.ProcessEnv }) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.logDir, { recursive: true });
    this.db = await createTestDatabase('ctr');
    this.smtpReady = startSmtpSink();
    // The setup job's commands, from the ops image: roles and schemas, then topics and subjects.
    this.setupOutput = {
      dbBootstrap: this.ops(
        ['db-bootstrap', '--database-url', this.db.url],
        Object.fromEntries(SERVICES.map((s) => [`DATABASE_PASSWORD_${dbSchemaOf(s).toUpperCase()}`, this.password(s)])),
      ),
      setup: this.ops(['setup', '--topic-prefix', this.prefix, '--partitions', '3']),
    };
    await this.kafka.setup(3); // connects the test's producer; the topics exist already
    this.smtp = await this.smtpReady;
    const launches = SERVICES.flatMap((s) => (['worker', 'relay'] as const).map((r) => this.launch(s, r)));
    const results = await Promise.allSettled(launches);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private password(s: ServiceName): string {
    const p = this.passwords.get(s);
    if (!p) throw new Error(`no password for ${s}`);
    return p;
  }

  /** One-shot container of the ops image, as a setup Job runs it; its JSON output. */
  private ops(args: string[], extraEnv: Record<string, string> = {}): any {
    const env = testEnv();
    const r = spawnSync(
      this.engine.engine,
      [
        'run',
        '--rm',
        '--network',
        'host',
        '--env',
        `KAFKA_BROKERS=${env.brokers.join(',')}`,
        '--env',
        `SCHEMA_REGISTRY_URL=${env.registryUrl}`,
        ...Object.entries(extraEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        imageName('ops'),
        ...args,
      ],
      { env: this.engine.env, encoding: 'utf8', timeout: 120000 },
    );
    if (r.status !== 0) throw new Error(`ops ${args[0]} from the image failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  static key(s: ServiceName, role: Role): string {
    return `${s}-${role}`;
  }

  private env(s: ServiceName, role: Role, port: number): string[] {
    const env = testEnv();
    const vars: Record<string, string> = {
      ROLE: role,
      // Production mode (the image's NODE_ENV): the role's own password, tokens for reads and admin actions.
      ORDERFLOW_ENV: 'production',
      DATABASE_URL: serviceDatabaseUrl(this.db.url, dbSchemaOf(s), ''),
      DATABASE_PASSWORD: this.password(s),
      READ_TOKEN,
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.registryUrl,
      TOPIC_PREFIX: this.prefix,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      RELAY_POLL_MS: '200',
      DB_POOL_MAX: '3',
      ...(s === 'inventory' || s === 'analytics' ? { ADMIN_TOKEN } : {}),
      ...(s === 'notification' ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(this.smtp.port) } : {}),
    };
    return Object.entries(vars).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  }

  /** `podman run` attached: its exit code is the container's, and it ends when the container does. */
  async launch(s: ServiceName, role: Role): Promise<void> {
    const key = ContainerPlatform.key(s, role);
    const name = `${this.prefix.replace(/\.$/, '')}-${key}`;
    const port = await freePort();
    const log = path.join(this.logDir, `${key}.log`);
    const out = fs.openSync(log, 'a');
    const proc = spawn(
      this.engine.engine,
      ['run', '--rm', '--name', name, '--network', 'host', ...this.env(s, role, port), imageName(s)],
      { env: this.engine.env, stdio: ['ignore', out, out] },
    );
    const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    this.running.set(key, { name, port, proc, exit });
    const gone = () => proc.exitCode !== null || proc.signalCode !== null;
    await waitFor(async () => gone() || (await getJson(port, '/health/ready')).status === 200, {
      timeoutMs: 150000,
      intervalMs: 500,
      description: `${key} container ready (log: ${log})`,
    });
    if (gone()) throw new Error(`${key} container exited (${proc.exitCode}) while starting; log: ${log}`);
  }

  /** SIGTERM to the container's main process (node), as `docker stop` and the kubelet send it; its exit code. */
  async terminate(s: ServiceName, role: Role): Promise<number | null> {
    const c = this.running.get(ContainerPlatform.key(s, role));
    if (!c) throw new Error(`${s} ${role} not running`);
    spawnSync(this.engine.engine, ['kill', '--signal', 'TERM', c.name], { env: this.engine.env, stdio: 'ignore' });
    const code = await c.exit;
    this.running.delete(ContainerPlatform.key(s, role));
    return code;
  }

  port(s: ServiceName, role: Role = 'worker'): number {
    const c = this.running.get(ContainerPlatform.key(s, role));
    if (!c) throw new Error(`${s} ${role} not running`);
    return c.port;
  }

  /** A read with the READ_TOKEN, as Platform.get does (personal data is behind it in production mode). */
  get(s: ServiceName, urlPath: string, role: Role = 'worker') {
    return getJson(this.port(s, role), urlPath, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  }

  /**
   * What every container says of itself, for a failed expectation: its readiness body (consumer, relay, lag, last
   * error) and the last lines of its log. A stage that never came then names the container that held it up.
   */
  async diagnosis(lines = 15): Promise<string> {
    const parts: string[] = [];
    for (const [key, c] of this.running) {
      const ready = await getJson(c.port, '/health/ready').catch((e: Error) => ({ status: 0, body: e.message }));
      const log = fs
        .readFileSync(path.join(this.logDir, `${key}.log`), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines);
      const exited = c.proc.exitCode ?? c.proc.signalCode;
      parts.push(
        `--- ${key}${exited !== null ? ` (exited: ${exited})` : ''}: ready ${ready.status} ${JSON.stringify(ready.body)}`,
        ...log,
      );
    }
    return parts.join('\n');
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
    const names = [...this.running.values()].map((c) => c.name);
    if (names.length)
      spawnSync(this.engine.engine, ['stop', '--time', '30', ...names], {
        env: this.engine.env,
        stdio: 'ignore',
        timeout: 60000,
      });
    // A container that outlives its stop is removed by force, and named, so a hung one cannot hide in a hook timeout.
    const late = (
      await Promise.all(
        [...this.running.values()].map(async (c) =>
          (await Promise.race([c.exit.then(() => true), sleep(20000, false, { ref: false })])) ? [] : [c.name],
        ),
      )
    ).flat();
    if (late.length)
      spawnSync(this.engine.engine, ['rm', '--force', ...late], { env: this.engine.env, stdio: 'ignore' });
    this.running.clear();
    await this.smtp?.close();
    await this.kafka.close();
    await this.db?.drop();
    if (late.length) throw new Error(`containers still running 20 s after podman stop, removed by force: ${late}`);
  }
}
