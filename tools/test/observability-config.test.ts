/**
 * The Prometheus rules and the Grafana dashboard in ops/ are checked against the metrics the code registers, and the
 * rules by promtool itself (`promtool check rules`, then the alert unit tests of ops/prometheus/rules.test.yml).
 * promtool comes with Debian's `prometheus` package; without it the promtool cases are skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const rulesDir = path.join(root, 'ops', 'prometheus');
const rules = fs.readFileSync(path.join(rulesDir, 'rules.yml'), 'utf8');
const dashboard = fs.readFileSync(path.join(root, 'ops', 'grafana', 'orderflow.json'), 'utf8');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) process.stderr.write('promtool not found (apt-get install prometheus): promtool checks skipped\n');

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: rulesDir, encoding: 'utf8' });

(hasPromtool ? it : it.skip)('promtool accepts the recording and alert rules', () => {
  const r = promtool('check', 'rules', 'rules.yml');
  expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
  expect(r.status).toBe(0);
});

(hasPromtool ? it : it.skip)('the alerts fire as their unit tests say (promtool test rules)', () => {
  const r = promtool('test', 'rules', 'rules.test.yml');
  expect(r.stdout + r.stderr).toContain('SUCCESS');
  expect(r.status).toBe(0);
});

/** Source files that register metrics: service-kit's instruments and the services' own. */
function registeredSource(): string {
  const dirs = [path.join(root, 'packages', 'service-kit', 'src')];
  for (const s of fs.readdirSync(path.join(root, 'services'))) dirs.push(path.join(root, 'services', s, 'src'));
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  dirs.filter((d) => fs.existsSync(d)).forEach(walk);
  return out.join('\n');
}

it('every orderflow metric the rules and the dashboard query is one the code registers', () => {
  const source = registeredSource();
  const used = new Set(
    [...`${rules}\n${dashboard}`.matchAll(/\borderflow_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
  );
  expect(used.size).toBeGreaterThan(10);
  // Registered with prom-client ('name') or written as Prometheus text by a background task (`name ${value}`).
  const missing = [...used].filter((name) => !new RegExp(`['\`]${name}[' {]`).test(source));
  expect(missing).toEqual([]);
});

it('every recording rule the dashboard reads is defined in rules.yml', () => {
  const recorded = new Set([...rules.matchAll(/- record: (\S+)/g)].map((m) => m[1]));
  const read = new Set([...dashboard.matchAll(/\borderflow:[a-z_0-9:]+/g)].map((m) => m[0]));
  expect(read.size).toBeGreaterThan(3);
  expect([...read].filter((r) => !recorded.has(r))).toEqual([]);
});
