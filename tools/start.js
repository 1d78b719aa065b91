#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the whole platform with a demo upstream, until Ctrl-C.
 *   infra up → build → database roles/schemas → topics and schemas → SMTP mail sink → six services and six relays
 *   as separate processes → stock seeded → demo upstream publishing orders → live view of orders per state.
 * Ctrl-C stops the upstream, then every service (SIGTERM: drain, commit, close), then the mail sink. The broker
 * and registry keep running (`npm run infra:down` stops them).
 *
 * Environment: DEMO_RATE (orders/s, default 20), DEMO_COUNT (default 100000), DEMO_MIX (upstream --mix),
 * BASE_PORT (default 3001: services on 3001..3006, their relays on 3101..3106), SMTP_PORT (default 2525),
 * DATABASE_URL (admin connection; default postgres://postgres@127.0.0.1:5432/orderflow), DEMO_DURATION_S (stop
 * by itself after that many seconds; default: run until Ctrl-C), TOPIC_PREFIX (isolated topics), START_LOCK_FILE
 * (default .data/start.pid: one npm start at a time).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = process.env;
const SERVICES = ['order-validator', 'inventory', 'payment', 'fulfillment', 'notification', 'analytics'];
const basePort = Number(env.BASE_PORT || 3001);
const smtpPort = Number(env.SMTP_PORT || 2525);
const adminUrl = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/orderflow';
const logDir = path.join(root, '.logs');
const mailDir = path.join(root, '.data', 'mail');
const ADMIN_TOKEN = env.ADMIN_TOKEN || 'dev-admin-token';
// One random password per service role, kept in a file each service reads (DATABASE_PASSWORD_FILE).
const secretsDir = env.ORDERFLOW_SECRETS_DIR || path.join(root, '.data', 'secrets');
const schemaOf = (service) => require(path.join(root, 'packages/service-kit/dist')).dbSchemaOf(service);
const rolePassword = (schema) => {
  const { passwordFile, roleOf } = require(path.join(root, 'packages/service-kit/dist'));
  return passwordFile(secretsDir, roleOf(schema));
};
const children = [];
let stopping = false;
const lockFile = path.resolve(root, env.START_LOCK_FILE || path.join('.data', 'start.pid'));

const say = (msg) => process.stdout.write(`[start] ${msg}\n`);

function run(cmd, args, what) {
  say(what);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status})`);
}

async function ensureDatabase() {
  const { Client } = require('pg');
  const u = new URL(adminUrl);
  const name = u.pathname.slice(1) || 'orderflow';
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString() });
  await c.connect();
  const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (r.rowCount === 0) await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
}

/**
 * One `npm start` at a time: a second one would find the ports taken and report the first one's services as its
 * own. The lock holds our pid; a lock whose process is gone (killed) is taken over.
 */
function takeLock() {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      process.on('exit', () => {
        try {
          if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.rmSync(lockFile, { force: true });
        } catch {
          /* already gone */
        }
      });
      return;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      if (pid && isAlive(pid)) {
        throw new Error(`npm start is already running (pid ${pid}); stop it first (Ctrl-C there, or kill ${pid})`);
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/** Fails clearly when a port we need is taken (by anything: we would not know whose answers we read). */
async function checkPortsFree(ports) {
  const net = require('node:net');
  for (const port of ports) {
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
    });
    if (!free) throw new Error(`port ${port} is in use; set BASE_PORT / SMTP_PORT, or stop what uses it`);
  }
}

function spawnProcess(name, file, args, extraEnv) {
  const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  // An IPC channel: if this process dies, even by kill -9, the services see it close and shut down.
  const child = spawn(process.execPath, [file, ...args], {
    cwd: root,
    env: { ...env, ORDERFLOW_SUPERVISED: '1', ...extraEnv },
    stdio: ['ignore', out, out, 'ipc'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) say(`${name} exited (${signal || code}); see .logs/${name}.log`);
  });
  children.push({ name, child });
  return child;
}

function serviceEnv(service, role, port) {
  const { serviceDatabaseUrl } = require(path.join(root, 'packages/service-kit/dist'));
  const { SERVICE_NODE_OPTIONS } = require(path.join(root, 'packages/ops/dist'));
  return {
    NODE_OPTIONS: env.NODE_OPTIONS || SERVICE_NODE_OPTIONS, // as deployed (the Dockerfile's), unless you set your own
    ORDERFLOW_ENV: 'development', // the demo: open read endpoints and the demo admin token, with a warning in the log
    DATABASE_URL: serviceDatabaseUrl(adminUrl, schemaOf(service), ''),
    DATABASE_PASSWORD_FILE: rolePassword(schemaOf(service)).file,
    ROLE: role,
    HTTP_PORT: String(port),
    SMTP_PORT: String(smtpPort),
    ADMIN_TOKEN,
    LOG_LEVEL: env.LOG_LEVEL || 'info',
  };
}

async function waitReady(port, name, child, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited while starting (${child.signalCode || child.exitCode}); see .logs/${name}.log`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} not ready after ${timeoutMs} ms; see .logs/${name}.log`);
}

async function startMailSink() {
  const { startSmtpSink } = require(path.join(root, 'packages/testing/dist'));
  fs.mkdirSync(mailDir, { recursive: true });
  const sink = await startSmtpSink(smtpPort);
  let written = 0;
  const timer = setInterval(() => {
    for (; written < sink.mails.length; written++) {
      const m = sink.mails[written];
      fs.writeFileSync(path.join(mailDir, `${String(written).padStart(6, '0')}.eml`), m.raw);
    }
  }, 500);
  return { sink, close: async () => (clearInterval(timer), sink.close()) };
}

/** @returns {Promise<any>} the parsed body, or undefined when the service does not answer */
async function getJson(port, p) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${p}`);
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

async function view(started, sink) {
  const s = await getJson(basePort + 5, '/summary');
  const lines = [];
  const secs = Math.round((Date.now() - started) / 1000);
  lines.push(`orderflow demo — ${secs}s — Ctrl-C to stop          (logs: .logs/, mail: .data/mail/)`);
  lines.push(`dashboard: http://127.0.0.1:${basePort + 5}/dashboard`);
  if (s) {
    const f = s.funnel;
    lines.push('');
    lines.push(
      `  created ${f.created}   validated ${f.validated}   reserved ${f.reserved}   paid ${f.paid}   fulfilled ${f.fulfilled}`,
    );
    lines.push(
      `  rejected ${f.rejected}   out of stock ${f.outOfStock}   payment failed ${f.paymentFailed}   fulfillment failed ${f.fulfillmentFailed}`,
    );
    lines.push(
      `  compensations: released ${f.released}   refunded ${f.refunded}        notifications ${f.notified}   emails received ${sink.mails.length}`,
    );
    for (const r of s.revenue || [])
      lines.push(
        `  revenue ${r.currency}: net ${(r.netMinor / 100).toFixed(2)} (charged ${r.chargedMinor}, refunded ${r.refundedMinor} minor units)`,
      );
    const t = s.stageTimingsMs && s.stageTimingsMs.createdToFulfilled;
    if (t && t.p50 != null)
      lines.push(`  created → fulfilled: p50 ${Math.round(t.p50)} ms, p95 ${Math.round(t.p95)} ms`);
  } else {
    lines.push('  (analytics not answering yet)');
  }
  const backlog = [];
  for (let i = 0; i < SERVICES.length; i++) {
    const r = await getJson(basePort + 100 + i, '/health/ready');
    const relay = r && r.checks.find((c) => c.name === 'outbox-relay');
    if (relay) backlog.push(`${SERVICES[i]} ${relay.detail.pending}`);
  }
  lines.push(`  outbox backlog: ${backlog.join(', ')}`);
  if (process.stdout.isTTY) process.stdout.write(`\x1b[2J\x1b[H${lines.join('\n')}\n`);
  else process.stdout.write(`${lines.join(' | ').replace(/\s+/g, ' ')}\n`);
}

async function stopAll(mail) {
  if (stopping) return;
  stopping = true;
  say('stopping: upstream first, then services (they drain and commit), then the mail sink');
  const upstream = children.filter((c) => c.name === 'demo-upstream');
  const rest = children.filter((c) => c.name !== 'demo-upstream');
  for (const group of [upstream, rest]) {
    await Promise.all(
      group.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
            // A service drains within SHUTDOWN_TIMEOUT_MS (25 s); one that does not is killed, never left behind.
            const kill = setTimeout(() => child.kill('SIGKILL'), 30000);
            child.once('exit', () => (clearTimeout(kill), resolve(undefined)));
            child.kill('SIGTERM');
          }),
      ),
    );
  }
  if (mail) await mail.close();
  say('stopped. Kafka and the registry are still running: `npm run infra:down` stops them.');
}

async function main() {
  fs.mkdirSync(logDir, { recursive: true });
  takeLock();
  const ports = SERVICES.flatMap((_, i) => [basePort + i, basePort + 100 + i]);
  await checkPortsFree([...ports, smtpPort]);
  run(process.execPath, ['tools/infra.js', 'up'], 'bringing up Kafka and the schema registry');
  run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], 'building');
  await ensureDatabase();
  const ops = require(path.join(root, 'packages/ops/dist'));
  say('creating database roles and schemas');
  await ops.bootstrapDatabases(adminUrl, (schema) => rolePassword(schema).password);
  say('creating topics and registering schemas');
  const setup = await ops.setupTopicsAndSchemas({
    brokers: (env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
    registryUrl: env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081/apis/ccompat/v7',
    topicPrefix: env.TOPIC_PREFIX || '',
  });
  say(
    `topics: ${setup.created.length} created, ${setup.existing} existing; ${Object.keys(setup.schemas).length} subjects registered`,
  );
  const mail = await startMailSink();
  say(`mail sink listening on 127.0.0.1:${smtpPort}`);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stopAll(mail).then(() => process.exit(0)));

  const { DEMO_STOCK } = require(path.join(root, 'packages/upstream/dist'));
  const launched = SERVICES.flatMap((s, i) => {
    const extra = s === 'inventory' ? { SEED_STOCK: JSON.stringify(DEMO_STOCK) } : {};
    const worker = spawnProcess(s, `services/${s}/dist/main.js`, [], {
      ...serviceEnv(s, 'worker', basePort + i),
      ...extra,
    });
    const relay = spawnProcess(
      `${s}-relay`,
      `services/${s}/dist/main.js`,
      [],
      serviceEnv(s, 'relay', basePort + 100 + i),
    );
    return [waitReady(basePort + i, s, worker), waitReady(basePort + 100 + i, `${s}-relay`, relay)];
  });
  await Promise.all(launched);
  say(`services ready on ports ${basePort}..${basePort + 5}, relays on ${basePort + 100}..${basePort + 105}`);

  const rate = env.DEMO_RATE || '20';
  const args = ['generate', '--count', env.DEMO_COUNT || '100000', '--rate', rate];
  if (env.DEMO_MIX) args.push('--mix', env.DEMO_MIX);
  spawnProcess('demo-upstream', 'packages/upstream/dist/cli.js', args, {});
  say(`demo upstream publishing ${rate} orders/s`);

  const started = Date.now();
  const duration = Number(env.DEMO_DURATION_S || 0);
  for (;;) {
    if (stopping) return;
    await view(started, mail.sink);
    if (duration && Date.now() - started > duration * 1000) {
      await stopAll(mail);
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

main().catch(async (err) => {
  process.stderr.write(`[start] ${err.message}\n`);
  await stopAll();
  process.exit(1);
});
