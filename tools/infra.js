#!/usr/bin/env node
/**
 * Local infrastructure without Docker: Apache Kafka (KRaft, single node) and Apicurio Registry (Confluent-compatible
 * API, SQL storage on PostgreSQL), both fetched from Maven Central by infra/pom.xml and run with the machine's Java.
 *
 *   node tools/infra.js fetch    download the jars (Maven), once
 *   node tools/infra.js up       fetch if needed, start what is not running, wait until healthy (idempotent)
 *   node tools/infra.js down     stop what `up` started (Kafka shuts down cleanly on SIGTERM)
 *   node tools/infra.js status   what runs where, and whether it is healthy
 *
 * Every setting comes from the environment; see `config` below and the README's Configuration section.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');

const root = path.resolve(__dirname, '..');
const env = process.env;
const config = {
  kafkaVersion: env.KAFKA_VERSION || '3.9.2',
  apicurioVersion: env.APICURIO_VERSION || '3.0.9',
  host: '127.0.0.1',
  kafkaPort: Number(env.KAFKA_PORT || 9092),
  controllerPort: Number(env.KAFKA_CONTROLLER_PORT || 9093),
  registryPort: Number(env.REGISTRY_PORT || 8081),
  kafkaHeap: env.KAFKA_HEAP || '768m',
  registryHeap: env.REGISTRY_HEAP || '384m',
  kafkaPartitions: Number(env.KAFKA_DEFAULT_PARTITIONS || 6),
  databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  registryDatabase: env.REGISTRY_DATABASE || 'orderflow_registry',
  dataDir: path.resolve(root, env.INFRA_DATA_DIR || '.data'),
  logDir: path.resolve(root, env.INFRA_LOG_DIR || '.logs'),
  cacheDir: path.join(root, 'infra', '.cache'),
  startTimeoutMs: Number(env.INFRA_START_TIMEOUT_MS || 120000),
};
const kafkaLibs = path.join(config.cacheDir, `kafka-${config.kafkaVersion}`, 'libs');
const apicurioDir = path.join(config.cacheDir, `apicurio-${config.apicurioVersion}`);
const apicurioJar = path.join(apicurioDir, `apicurio-registry-app-${config.apicurioVersion}-runner.jar`);
const pidFile = (name) => path.join(config.dataDir, `${name}.pid`);

class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}

function log(msg) {
  process.stdout.write(`[infra] ${msg}\n`);
}

function requireTool(cmd, args, hint) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new InfraError(`${cmd} is required but was not found or failed: ${hint}`);
  return `${r.stdout}${r.stderr}`;
}

function javaMajor() {
  const out = requireTool('java', ['-version'], 'install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)');
  const m = out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) throw new InfraError(`Java 17 or newer is required, found: ${out.split('\n')[0]}`);
  return major;
}

function fetched() {
  return fs.existsSync(path.join(kafkaLibs, `kafka_2.13-${config.kafkaVersion}.jar`)) && fs.existsSync(apicurioJar);
}

function fetch() {
  javaMajor();
  if (fetched()) return log(`jars present: Kafka ${config.kafkaVersion}, Apicurio ${config.apicurioVersion}`);
  requireTool('mvn', ['--version'], 'install Apache Maven 3.8+ (e.g. apt-get install maven)');
  log(`fetching Kafka ${config.kafkaVersion} and Apicurio Registry ${config.apicurioVersion} from Maven Central ...`);
  const mvn = (args) => {
    const r = spawnSync('mvn', ['-B', '-q', ...args], { cwd: path.join(root, 'infra'), stdio: 'inherit' });
    if (r.status !== 0) throw new InfraError(`mvn ${args.join(' ')} failed (exit ${r.status})`);
  };
  // Apicurio did not publish the 3.0.x parent POM; install our stand-in so Maven can read the archive's descriptor.
  mvn(['install:install-file', '-Dfile=apicurio-registry-parent.pom', '-DpomFile=apicurio-registry-parent.pom']);
  mvn(['package', `-Dkafka.version=${config.kafkaVersion}`, `-Dapicurio.version=${config.apicurioVersion}`]);
  if (!fetched()) throw new InfraError('Maven finished but the jars are not where expected under infra/.cache');
}

function portOpen(port, host = config.host, timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function registryHealthy() {
  try {
    const res = await fetchWithTimeout(`http://${config.host}:${config.registryPort}/health/ready`, 1500);
    if (!res.ok) return false;
    const body = /** @type {{ status?: string }} */ (await res.json());
    return body.status === 'UP';
  } catch {
    return false;
  }
}

async function fetchWithTimeout(url, ms) {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), ms);
  try {
    return await globalThis.fetch(url, { signal: ctl.signal });
  } finally {
    clearTimeout(t);
  }
}

function readPid(name) {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function startDetached(name, cmd, args, opts = {}) {
  fs.mkdirSync(config.logDir, { recursive: true });
  const out = fs.openSync(path.join(config.logDir, `${name}.log`), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out], ...opts });
  child.unref();
  // The data directory may not exist yet: a test's own broker in a checkout whose `up` found everything running.
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(pidFile(name), String(child.pid));
  return child.pid;
}

async function waitFor(what, check, pid) {
  const deadline = Date.now() + config.startTimeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (pid !== undefined) {
      try {
        process.kill(pid, 0);
      } catch {
        throw new InfraError(`${what} exited during start-up; see ${config.logDir}/${what}.log`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new InfraError(`${what} not healthy after ${config.startTimeoutMs} ms; see ${config.logDir}/${what}.log`);
}

/**
 * A KRaft cluster id as Kafka's own Uuid.randomUuid() makes it: 16 random bytes in base64url, never starting
 * with "-" (the storage tool's argument parser would read such an id as an option and refuse it).
 */
function newClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function kafkaProperties(dataDir, kafkaPort, controllerPort) {
  const { host } = config;
  return [
    '# Generated by tools/infra.js on every start; edit the environment, not this file.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafkaPort},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    `num.partitions=${config.kafkaPartitions}`,
    // Topics come from the catalog (schemas/topics.json); tests create their own. Nothing appears by accident.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=12',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'log.retention.hours=168',
    'delete.topic.enable=true',
    // A single node is its own controller: on a saturated machine (two cores running a dozen services, podman and
    // the tests) a late heartbeat must not fence the broker and send every partition through a leader election.
    'broker.session.timeout.ms=60000',
    'broker.heartbeat.interval.ms=2000',
    'controller.quorum.fetch.timeout.ms=20000',
    'controller.quorum.election.timeout.ms=10000',
    '',
  ].join('\n');
}

async function startKafka() {
  if (await portOpen(config.kafkaPort)) return log(`kafka: already listening on ${config.host}:${config.kafkaPort}`);
  const pid = spawnKafka({
    port: config.kafkaPort,
    controllerPort: config.controllerPort,
    dir: path.join(config.dataDir, 'kafka'),
    name: 'kafka',
    heap: config.kafkaHeap,
  });
  log(`kafka: starting (pid ${pid}) on ${config.host}:${config.kafkaPort} ...`);
  await waitFor('kafka', () => kafkaReady('kafka', config.kafkaPort), pid);
  log('kafka: ready');
}

/**
 * Formats (first time) and starts a single-node KRaft broker whose data lives in `dir`; returns its pid. Also used
 * by the broker-outage test, which runs a broker of its own so that stopping it disturbs no other test.
 */
function spawnKafka({ port, controllerPort, dir, name, heap: heapSize }) {
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, kafkaProperties(logs, port, controllerPort));
  const log4j = path.join(dir, 'log4j.properties');
  fs.writeFileSync(
    log4j,
    [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka=INFO',
      'log4j.logger.org.apache.kafka=WARN',
      'log4j.logger.state.change.logger=WARN',
      '',
    ].join('\n'),
  );
  const cp = `${kafkaLibs}${path.sep}*`;
  const jvm = [`-Dlog4j.configuration=file:${log4j}`, '-cp', cp];
  if (!fs.existsSync(path.join(logs, 'meta.properties'))) {
    const clusterId = newClusterId();
    const r = spawnSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new InfraError(`formatting Kafka storage failed:\n${r.stdout}${r.stderr}`);
    log(`${name}: formatted storage in ${logs}`);
  }
  const heap = [`-Xms${heapSize}`, `-Xmx${heapSize}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'];
  return startDetached(name, 'java', [...heap, '-Djava.awt.headless=true', ...jvm, 'kafka.Kafka', props]);
}

/** Kafka listens before it can serve; its log line is the reliable signal that the broker is registered. */
async function kafkaReady(name, port) {
  if (!(await portOpen(port))) return false;
  try {
    const text = fs.readFileSync(path.join(config.logDir, `${name}.log`), 'utf8');
    return text.lastIndexOf('Kafka Server started') > text.lastIndexOf('Kafka Server shut down') || !readPid(name);
  } catch {
    return true;
  }
}

async function ensureRegistryDatabase(database = config.registryDatabase) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: config.databaseUrl });
  try {
    await client.connect();
  } catch (e) {
    throw new InfraError(
      `PostgreSQL is not reachable at ${redact(config.databaseUrl)} (${e instanceof Error ? e.message : String(e)}). Start it or set DATABASE_URL.`,
    );
  }
  try {
    const r = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (r.rowCount === 0) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
}

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function jdbcSettings(database) {
  const u = new URL(config.databaseUrl);
  return {
    url: `jdbc:postgresql://${u.hostname}:${u.port || 5432}/${database}`,
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password || ''),
  };
}

async function startRegistry() {
  if (await registryHealthy()) return log(`registry: already healthy on ${config.host}:${config.registryPort}`);
  if (await portOpen(config.registryPort)) {
    log(`registry: port ${config.registryPort} open, waiting for health ...`);
    return waitFor('registry', registryHealthy);
  }
  const pid = await spawnRegistry({ port: config.registryPort, database: config.registryDatabase, name: 'registry' });
  log(`registry: starting Apicurio (pid ${pid}) on ${config.host}:${config.registryPort} ...`);
  await waitFor('registry', registryHealthy, pid);
  log(`registry: ready, Confluent API at http://${config.host}:${config.registryPort}/apis/ccompat/v7`);
}

/**
 * Starts an Apicurio process with SQL storage in `database` (created if missing) and returns its pid. Also used by
 * the registry-restart test, which runs a second registry of its own so the shared one is never disturbed.
 */
async function spawnRegistry({ port, database, name }) {
  await ensureRegistryDatabase(database);
  const jdbc = jdbcSettings(database);
  const registryEnv = {
    ...process.env,
    QUARKUS_HTTP_HOST: config.host,
    QUARKUS_HTTP_PORT: String(port),
    // Schema ids must survive a restart: records on Kafka carry them forever. SQL storage on PostgreSQL.
    APICURIO_STORAGE_KIND: 'sql',
    APICURIO_STORAGE_SQL_KIND: 'postgresql',
    APICURIO_DATASOURCE_URL: jdbc.url,
    APICURIO_DATASOURCE_USERNAME: jdbc.user,
    APICURIO_DATASOURCE_PASSWORD: jdbc.password || 'unused',
    APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
    APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
    QUARKUS_LOG_LEVEL: 'WARN',
    QUARKUS_LOG_CATEGORY__IO_APICURIO__LEVEL: 'INFO',
  };
  const heap = [`-Xmx${config.registryHeap}`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
  return startDetached(name, 'java', [...heap, '-jar', apicurioJar], { cwd: apicurioDir, env: registryEnv });
}

async function up() {
  fetch();
  fs.mkdirSync(config.dataDir, { recursive: true });
  await ensureRegistryDatabase();
  await Promise.all([startKafka(), startRegistry()]);
}

async function stop(name) {
  const pid = readPid(name);
  if (!pid) return log(`${name}: not running (from this checkout)`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      fs.rmSync(pidFile(name), { force: true });
      return log(`${name}: stopped`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.kill(pid, 'SIGKILL');
  fs.rmSync(pidFile(name), { force: true });
  log(`${name}: killed after 30 s`);
}

async function down() {
  await stop('registry');
  await stop('kafka');
}

async function status() {
  const rows = [];
  const kafkaUp = await portOpen(config.kafkaPort);
  rows.push(['kafka', `${config.host}:${config.kafkaPort}`, readPid('kafka') || '-', kafkaUp ? 'up' : 'down']);
  const regUp = await registryHealthy();
  rows.push([
    'registry',
    `http://${config.host}:${config.registryPort}/apis/ccompat/v7`,
    readPid('registry') || '-',
    regUp ? 'healthy' : (await portOpen(config.registryPort)) ? 'starting/unhealthy' : 'down',
  ]);
  let pgState = 'down';
  try {
    const { Client } = require('pg');
    const c = new Client({ connectionString: config.databaseUrl });
    await c.connect();
    const r = await c.query('show server_version');
    pgState = `up (PostgreSQL ${r.rows[0].server_version})`;
    await c.end();
  } catch (e) {
    pgState = `down (${e instanceof Error ? e.message : String(e)})`;
  }
  rows.push(['postgres', redact(config.databaseUrl), '-', pgState]);
  rows.push([
    'jars',
    config.cacheDir,
    '-',
    fetched() ? `Kafka ${config.kafkaVersion}, Apicurio ${config.apicurioVersion}` : 'not fetched',
  ]);
  for (const [name, where, pid, state] of rows) {
    process.stdout.write(`${name.padEnd(9)} ${state.padEnd(28)} pid ${String(pid).padEnd(8)} ${where}\n`);
  }
  return kafkaUp && regUp && pgState.startsWith('up');
}

async function main() {
  const cmd = process.argv[2];
  switch (cmd) {
    case 'fetch':
      return fetch();
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      if (!(await status())) process.exitCode = 1;
      return;
    default:
      process.stderr.write('usage: node tools/infra.js fetch|up|down|status\n');
      process.exitCode = 2;
  }
}

module.exports = { config, spawnRegistry, spawnKafka, kafkaReady, stop, fetch, pidFile };

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`[infra] ${e instanceof InfraError ? e.message : e.stack}\n`);
    process.exit(1);
  });
}
