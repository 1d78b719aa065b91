// @ts-check
/**
 * docker-compose.yml: infrastructure, a one-shot setup, the six services with a worker and a relay each, and the demo
 * upstream under the `demo` profile. Health checks and depends_on conditions order the start-up without races.
 */
'use strict';
const { DEMO_STOCK } = require('@orderflow/upstream');
const { ENDPOINTS, services, bootstrapPasswordVar, databaseUrl } = require('./model');
const infra = require('./infra');

/** Host ports: the services' own defaults (3001–3006), as `npm start` uses them. */
const HOST_PORTS = { mailUi: 8025, kafka: 9092, registry: 8081, postgres: 5432 };

/** @param {string[]} test */
const health = (test, start = '20s') => ({ test, interval: '5s', timeout: '5s', retries: 30, start_period: start });

/** @param {string} service */
const build = (service) => ({ context: '.', args: { SERVICE: service } });

const common = {
  KAFKA_BROKERS: ENDPOINTS.kafka,
  SCHEMA_REGISTRY_URL: ENDPOINTS.registry,
};

function compose() {
  /** @type {Record<string, any>} */
  const svcs = {
    postgres: {
      image: infra.INFRA.postgresImage,
      environment: infra.postgresEnv,
      ports: [`${HOST_PORTS.postgres}:5432`],
      volumes: ['postgres-data:/var/lib/postgresql/data'],
      healthcheck: health(['CMD', 'pg_isready', '-U', 'postgres'], '10s'),
    },
    kafka: {
      image: infra.INFRA.kafkaImage,
      environment: infra.kafkaEnv,
      ports: [`${HOST_PORTS.kafka}:9092`],
      volumes: ['kafka-data:/var/lib/kafka/data'],
      healthcheck: health([
        'CMD-SHELL',
        '/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 > /dev/null 2>&1',
      ]),
    },
    'schema-registry': {
      image: infra.INFRA.registryImage,
      environment: infra.registryEnv,
      ports: [`${HOST_PORTS.registry}:8080`],
      depends_on: { postgres: { condition: 'service_healthy' } },
      healthcheck: health(['CMD-SHELL', 'curl -fsS http://localhost:8080/health/ready > /dev/null']),
    },
    smtp: {
      image: infra.INFRA.mailImage,
      ports: [`${HOST_PORTS.mailUi}:8025`],
      healthcheck: health(['CMD', '/mailpit', 'readyz'], '5s'),
    },
    setup: {
      image: 'orderflow/ops:latest',
      build: build('ops'),
      // Roles and schemas, then topics and subjects; both idempotent, so `up` again is harmless.
      entrypoint: ['sh', '-c', 'node /app/main.js db-bootstrap && node /app/main.js setup'],
      environment: {
        ...common,
        DATABASE_ADMIN_URL: infra.adminDatabaseUrl,
        // Each service role's password, the same value its containers get as DATABASE_PASSWORD.
        ...Object.fromEntries(services().map((s) => [bootstrapPasswordVar(s), infra.localRolePassword(s.schema)])),
      },
      depends_on: {
        postgres: { condition: 'service_healthy' },
        kafka: { condition: 'service_healthy' },
        'schema-registry': { condition: 'service_healthy' },
      },
      restart: 'on-failure',
    },
  };
  for (const s of services()) {
    /** @type {Record<string, string>} */
    const environment = {
      ...common,
      // Production mode, as the image runs (NODE_ENV=production): the demo secrets below are local values only.
      ORDERFLOW_ENV: 'production',
      DATABASE_URL: databaseUrl(s),
      DATABASE_PASSWORD: infra.localRolePassword(s.schema),
      READ_TOKEN: infra.LOCAL_READ_TOKEN,
      HTTP_PORT: String(s.port),
    };
    if (s.smtp) Object.assign(environment, { SMTP_HOST: 'smtp', SMTP_PORT: String(ENDPOINTS.smtpPort) });
    if (s.admin) environment.ADMIN_TOKEN = infra.LOCAL_ADMIN_TOKEN;
    if (s.name === 'inventory') environment.SEED_STOCK = JSON.stringify(DEMO_STOCK);
    const dependsOn = {
      setup: { condition: 'service_completed_successfully' },
      ...(s.smtp ? { smtp: { condition: 'service_healthy' } } : {}),
    };
    const ready = health([
      'CMD',
      'node',
      '-e',
      `fetch('http://127.0.0.1:${s.port}/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
    ]);
    svcs[s.name] = {
      image: `orderflow/${s.name}:latest`,
      build: build(s.name),
      environment: { ...environment, ROLE: 'worker' },
      ports: [`${s.port}:${s.port}`],
      depends_on: dependsOn,
      healthcheck: ready,
      restart: 'unless-stopped',
      stop_grace_period: '35s',
    };
    svcs[`${s.name}-relay`] = {
      image: `orderflow/${s.name}:latest`,
      // The worker's image; built here too so that `up` never tries to pull it (the build cache makes it free).
      build: build(s.name),
      environment: { ...environment, ROLE: 'relay' },
      depends_on: dependsOn,
      healthcheck: ready,
      restart: 'unless-stopped',
      stop_grace_period: '35s',
    };
  }
  svcs.upstream = {
    image: 'orderflow/upstream:latest',
    build: build('upstream'),
    profiles: ['demo'],
    command: ['generate', '--count', '1000000', '--rate', '20'],
    environment: common,
    depends_on: {
      setup: { condition: 'service_completed_successfully' },
      inventory: { condition: 'service_healthy' },
    },
    restart: 'on-failure',
  };
  return {
    services: svcs,
    volumes: { 'postgres-data': {}, 'kafka-data': {} },
  };
}

module.exports = { compose, HOST_PORTS };
