/**
 * docker-compose.yml against the code: a compose tool accepts it (`docker-compose config`, Debian's package), every
 * variable set on a service is one its config schema knows and parses, and ports, broker, registry, database and
 * SMTP settings point at what the file really runs, with the catalog's and the local infrastructure's versions.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dbSchemaOf } from '@orderflow/service-kit';
import { parse } from 'yaml';
import { root, serviceFacts } from './code-model';

/* eslint-disable @typescript-eslint/no-explicit-any -- the compose file is arbitrary YAML */
const file = path.join(root, 'docker-compose.yml');
const compose: any = parse(fs.readFileSync(file, 'utf8'));
const facts = serviceFacts();
const infraJs = fs.readFileSync(path.join(root, 'tools', 'infra.js'), 'utf8');
const pinned = (key: string) => new RegExp(`${key}: env\\.[A-Z_]+ \\|\\| '([^']+)'`).exec(infraJs)?.[1];

const hasComposeTool = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const required = process.env.ORDERFLOW_REQUIRE_CONTAINERS === '1';
if (!hasComposeTool && !required)
  process.stderr.write('compose.test.ts: docker-compose not installed, `config` validation SKIPPED\n');

(hasComposeTool || required ? it : it.skip)('docker-compose config accepts the file, demo profile included', () => {
  const r = spawnSync('docker-compose', ['-f', file, '--profile', 'demo', 'config', '--services'], {
    encoding: 'utf8',
    cwd: root,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split('\n').sort()).toEqual(Object.keys(compose.services).sort());
});

it('the infrastructure: Kafka at the version tools/infra.js pins (KRaft), Apicurio on PostgreSQL, Mailpit', () => {
  const s = compose.services;
  expect(s.kafka.image).toBe(`apache/kafka:${pinned('kafkaVersion')}`);
  expect(s.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  expect(s['schema-registry'].image).toBe(`apicurio/apicurio-registry:${pinned('apicurioVersion')}`);
  expect(s['schema-registry'].environment.APICURIO_STORAGE_KIND).toBe('sql');
  expect(s['schema-registry'].environment.APICURIO_DATASOURCE_URL).toMatch(/^jdbc:postgresql:\/\/postgres:5432\//);
  expect(s.smtp.image).toMatch(/^axllent\/mailpit:/);
  expect(s.smtp.ports).toContain('8025:8025');
  for (const name of ['postgres', 'kafka', 'schema-registry', 'smtp']) expect(s[name].healthcheck).toBeDefined();
  for (const v of Object.keys(compose.volumes)) expect(JSON.stringify(s)).toContain(`${v}:`);
  expect(s.upstream.profiles).toEqual(['demo']);
});

it('the setup container bootstraps roles and schemas, then topics and subjects, once the infrastructure is healthy', () => {
  const setup = compose.services.setup;
  expect(setup.image).toMatch(/^orderflow\/ops:/);
  expect(setup.entrypoint.join(' ')).toMatch(/db-bootstrap && .* setup$/);
  for (const dep of ['postgres', 'kafka', 'schema-registry'])
    expect(setup.depends_on[dep]).toEqual({ condition: 'service_healthy' });
  // db-bootstrap sets each role's password to the one its service's containers use, one distinct password per role.
  const passwords = facts.map((f) => setup.environment[`DATABASE_PASSWORD_${dbSchemaOf(f.name).toUpperCase()}`]);
  expect(passwords).toEqual(facts.map((f) => compose.services[f.name].environment.DATABASE_PASSWORD));
  expect(new Set(passwords).size).toBe(facts.length);
});

describe.each(facts.map((f) => [f.name, f] as const))('%s', (_name, f) => {
  const kafkaAdvertised = compose.services.kafka.environment.KAFKA_ADVERTISED_LISTENERS.replace(/^PLAINTEXT:\/\//, '');
  const registryPort = Number(compose.services['schema-registry'].ports[0].split(':')[1]);
  const postgres = compose.services.postgres.environment;

  it.each(['worker', 'relay'])(
    '%s: every variable is known to the config schema, parses, and points at the stack',
    (role) => {
      const c = compose.services[role === 'worker' ? f.name : `${f.name}-relay`];
      expect(c.image).toMatch(new RegExp(`^orderflow/${f.name}:`));
      const env: Record<string, string> = c.environment;
      const known = Object.keys(f.config.configSchema.shape);
      expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
      // Production mode, as the image runs: readConfig refuses a missing or weak token or a missing password.
      expect(env.ORDERFLOW_ENV).toBe('production');
      const parsed: any = f.config.readConfig(env);
      expect(parsed.ROLE).toBe(role);
      expect(parsed.READ_TOKEN).toBeDefined();
      expect(parsed.HTTP_PORT).toBe(f.defaultPort);
      expect(parsed.KAFKA_BROKERS).toEqual([kafkaAdvertised]);
      const registry = new URL(parsed.SCHEMA_REGISTRY_URL);
      expect(compose.services[registry.hostname]).toBeDefined();
      expect(Number(registry.port)).toBe(registryPort);
      expect(registry.pathname).toBe('/apis/ccompat/v7');
      const db = new URL(parsed.DATABASE_URL);
      expect(db.hostname).toBe('postgres');
      expect(db.pathname).toBe(`/${postgres.POSTGRES_DB}`);
      expect(db.username).toBe(`${dbSchemaOf(f.name)}_svc`);
      expect(db.password).toBe(encodeURIComponent(env.DATABASE_PASSWORD!));
      // No prefix and no explicit group: the topics and group are the catalog's and the service's own names.
      expect(parsed.TOPIC_PREFIX).toBe('');
      expect(f.groupId(env)).toBe(f.name);
      if (f.name === 'notification') {
        expect(compose.services[parsed.SMTP_HOST].image).toMatch(/mailpit/);
        expect(parsed.SMTP_PORT).toBe(1025); // Mailpit's SMTP port
      }
      expect(c.depends_on.setup).toEqual({ condition: 'service_completed_successfully' });
      expect(c.healthcheck.test.join(' ')).toContain(`127.0.0.1:${f.defaultPort}/health/ready`);
      if (role === 'worker') expect(c.ports).toEqual([`${f.defaultPort}:${f.defaultPort}`]);
    },
  );
});
