#!/usr/bin/env node
// @ts-check
/**
 * Builds every deployable's image from the repository's Dockerfile:
 *
 *   npm run images                      all six services and ops (orderflow/<name>:latest)
 *   npm run images -- inventory ops     some of them
 *
 * Uses podman where installed (with the repository's tools/containers/*.conf: overlay storage where the kernel has it,
 * else vfs; runc; host network),
 * otherwise docker. Where the base image (node:20-bookworm-slim) cannot be pulled, as on machines without a registry,
 * it first makes a local stand-in under the same tag: a Debian bookworm root file system from debootstrap with this
 * machine's node and npm (and its CA bundle, so npm inside the build trusts the same authorities). It says so; the
 * Dockerfile is the one Docker users build.
 *
 * Settings: CONTAINER_ENGINE (podman|docker), IMAGE_PREFIX (orderflow/), IMAGE_TAG (latest),
 * CONTAINERS_CONF / CONTAINERS_STORAGE_CONF (default: tools/containers/*.conf).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const BASE_IMAGE = 'node:20-bookworm-slim';
/** Every image this script builds: the six services (services/*) and the ops CLI. */
const SERVICES = fs
  .readdirSync(path.join(root, 'services'))
  .filter((d) => fs.existsSync(path.join(root, 'services', d, 'package.json')))
  .sort();
const IMAGES = [...SERVICES, 'ops'];
const STANDIN_DIR = '/var/tmp/orderflow-containers/standin-rootfs';

/** @param {string} name */
function imageName(name) {
  return `${process.env.IMAGE_PREFIX ?? 'orderflow/'}${name}:${process.env.IMAGE_TAG ?? 'latest'}`;
}

/** @param {string} cmd */
function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The container engine and the environment to run it with, or undefined when none works here. Docker counts only
 * if its daemon answers (some machines carry the client alone).
 * @returns {{ engine: string, env: NodeJS.ProcessEnv } | undefined}
 */
function containerEngine() {
  const wanted = process.env.CONTAINER_ENGINE;
  if ((!wanted || wanted === 'podman') && has('podman')) {
    const conf = process.env.CONTAINERS_CONF ?? path.join(root, 'tools', 'containers', 'containers.conf');
    return {
      engine: 'podman',
      env: { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storageConf(conf) },
    };
  }
  if ((!wanted || wanted === 'docker') && has('docker')) {
    if (spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15000 }).status === 0)
      return { engine: 'docker', env: process.env };
  }
  return undefined;
}

/** @type {string | undefined} */
let probedStorage;

/**
 * Podman's storage settings: CONTAINERS_STORAGE_CONF if set; else overlay where this kernel mounts it (podman opens
 * an overlay store: `podman info` names the driver), else vfs, which copies the whole file system for every layer and
 * every container. Probed once per process.
 * @param {string} containersConf
 */
function storageConf(containersConf) {
  if (process.env.CONTAINERS_STORAGE_CONF) return process.env.CONTAINERS_STORAGE_CONF;
  if (probedStorage) return probedStorage;
  const overlay = path.join(root, 'tools', 'containers', 'storage-overlay.conf');
  const r = spawnSync('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], {
    env: { ...process.env, CONTAINERS_CONF: containersConf, CONTAINERS_STORAGE_CONF: overlay },
    encoding: 'utf8',
    timeout: 30000,
  });
  probedStorage =
    r.status === 0 && r.stdout.trim() === 'overlay' ? overlay : path.join(root, 'tools', 'containers', 'storage.conf');
  return probedStorage;
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, input?: string, quiet?: boolean, timeout?: number }} [o]
 */
function run(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, {
    env: o.env ?? process.env,
    stdio: o.quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
    ...(o.timeout ? { timeout: o.timeout } : {}),
  });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** @param {string} msg */
/** @param {string} msg @returns {never} */
function fail(msg) {
  process.stderr.write(`images: ${msg}\n`);
  process.exit(1);
}

/**
 * Makes the base image available: present already, pulled, or (podman only) the debootstrap stand-in.
 * @param {{ engine: string, env: NodeJS.ProcessEnv }} e
 */
function ensureBase(e) {
  const exists = run(e.engine, ['image', 'inspect', BASE_IMAGE], { env: e.env, quiet: true }).ok;
  if (exists) return 'present';
  process.stdout.write(`images: pulling ${BASE_IMAGE}\n`);
  if (run(e.engine, ['pull', `docker.io/library/${BASE_IMAGE}`], { env: e.env, quiet: true, timeout: 90000 }).ok)
    return 'pulled';
  if (e.engine !== 'podman') fail(`cannot pull ${BASE_IMAGE}`);
  process.stdout.write(
    `images: ${BASE_IMAGE} cannot be pulled here; making a LOCAL STAND-IN with that tag ` +
      `(debootstrap bookworm + this machine's node ${process.version} and npm)\n`,
  );
  makeStandIn(e);
  return 'stand-in';
}

/** @param {{ engine: string, env: NodeJS.ProcessEnv }} e */
function makeStandIn(e) {
  for (const tool of ['debootstrap', 'tar']) if (!has(tool)) fail(`${tool} is needed for the stand-in base image`);
  const dir = STANDIN_DIR;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (!run('debootstrap', ['--variant=minbase', 'bookworm', dir, 'http://deb.debian.org/debian'], { quiet: true }).ok)
    fail('debootstrap failed');
  const node = process.execPath;
  fs.copyFileSync(node, path.join(dir, 'usr/local/bin/node'));
  fs.chmodSync(path.join(dir, 'usr/local/bin/node'), 0o755);
  const npmRoot = run('npm', ['root', '-g'], { quiet: true }).stdout.trim();
  const libDir = path.join(dir, 'usr/local/lib/node_modules');
  fs.mkdirSync(libDir, { recursive: true });
  fs.cpSync(path.join(npmRoot, 'npm'), path.join(libDir, 'npm'), { recursive: true });
  fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(dir, 'usr/local/bin/npm'));
  fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(dir, 'usr/local/bin/npx'));
  // The machine's certificate authorities, for npm inside builds on the stand-in only (never in the Dockerfile).
  const cafile = run('npm', ['config', 'get', 'cafile'], { quiet: true }).stdout.trim();
  const caEnv = [];
  if (cafile && cafile !== 'null' && fs.existsSync(cafile)) {
    fs.mkdirSync(path.join(dir, path.dirname(cafile)), { recursive: true });
    fs.copyFileSync(cafile, path.join(dir, cafile));
    caEnv.push('--change', `ENV NODE_EXTRA_CA_CERTS=${cafile}`);
  }
  // The official image has a `node` user with uid 1000; the Dockerfile runs as that uid.
  fs.appendFileSync(path.join(dir, 'etc/passwd'), 'node:x:1000:1000::/home/node:/bin/sh\n');
  fs.appendFileSync(path.join(dir, 'etc/group'), 'node:x:1000:\n');
  fs.mkdirSync(path.join(dir, 'home/node'), { recursive: true });
  fs.chownSync(path.join(dir, 'home/node'), 1000, 1000);
  fs.rmSync(path.join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'var/cache/apt/archives/partial'), { recursive: true });
  const tar = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 2 ** 31 });
  if (tar.status !== 0) fail('tar of the stand-in failed');
  const imp = spawnSync(
    e.engine,
    [
      'import',
      ...caEnv,
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'CMD ["node"]',
      '-',
      `docker.io/library/${BASE_IMAGE}`,
    ],
    { env: e.env, input: tar.stdout, stdio: ['pipe', 'ignore', 'inherit'], maxBuffer: 2 ** 31 },
  );
  if (imp.status !== 0) fail('import of the stand-in failed');
  fs.rmSync(dir, { recursive: true, force: true });
}

/** @param {{ engine: string, env: NodeJS.ProcessEnv }} e @param {string} name */
function build(e, name) {
  const args = [
    'build',
    '--file',
    path.join(root, 'Dockerfile'),
    '--build-arg',
    `SERVICE=${name}`,
    '-t',
    imageName(name),
  ];
  // No intermediate images: with vfs every committed layer is a full copy of the file system.
  if (e.engine === 'podman') args.push('--network', 'host', '--pull=never', '--layers=false');
  args.push(root);
  const t0 = Date.now();
  const r = run(e.engine, args, { env: e.env, quiet: !process.env.IMAGES_VERBOSE });
  if (!r.ok) fail(`build of ${name} failed:\n${(r.stdout + r.stderr).split('\n').slice(-40).join('\n')}`);
  return Date.now() - t0;
}

/** @param {{ engine: string, env: NodeJS.ProcessEnv }} e @param {string} name */
function sizeOf(e, name) {
  const r = run(e.engine, ['image', 'inspect', '--format', '{{.Size}}', imageName(name)], { env: e.env, quiet: true });
  return Number(r.stdout.trim());
}

function main() {
  const e = containerEngine();
  if (!e) fail('neither podman nor a running docker engine is available (apt-get install podman runc)');
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !IMAGES.includes(w));
  if (unknown.length) fail(`unknown image(s) ${unknown.join(', ')}; known: ${IMAGES.join(', ')}`);
  const base = ensureBase(e);
  const storage = e.env.CONTAINERS_STORAGE_CONF ? `, storage ${path.basename(e.env.CONTAINERS_STORAGE_CONF)}` : '';
  process.stdout.write(`images: ${e.engine}${storage}, base ${BASE_IMAGE} ${base}\n`);
  const t0 = Date.now();
  for (const name of wanted.length ? wanted : IMAGES) {
    const ms = build(e, name);
    const mb = (sizeOf(e, name) / 1e6).toFixed(0);
    process.stdout.write(
      `images: ${imageName(name).padEnd(32)} ${mb.padStart(4)} MB  built in ${(ms / 1000).toFixed(0)} s\n`,
    );
  }
  process.stdout.write(`images: done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

module.exports = { SERVICES, IMAGES, BASE_IMAGE, imageName, containerEngine };

if (require.main === module) main();
