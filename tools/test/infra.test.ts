/** `npm run infra:up` is idempotent, and `infra:status` tells what runs where and whether it is healthy. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const run = (cmd: string) =>
  spawnSync('node', ['tools/infra.js', cmd], { cwd: root, encoding: 'utf8', timeout: 120000 });

it('infra:up twice in a row is harmless: the running broker and registry are reused', () => {
  for (let i = 0; i < 2; i++) {
    const r = run('up');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kafka: already listening on 127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/registry: already healthy/);
  }
});

it('infra:status reports Kafka, registry and PostgreSQL as healthy (exit 0)', () => {
  const r = run('status');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^kafka\s+up/m);
  expect(r.stdout).toMatch(/^registry\s+healthy/m);
  expect(r.stdout).toMatch(/^postgres\s+up \(PostgreSQL \d+/m);
});

it('an unknown command is a usage error', () => {
  const r = run('sideways');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('usage: node tools/infra.js fetch|up|down|status');
});
