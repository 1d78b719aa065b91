// @ts-check
/**
 * What the deployment manifests are made from: the services (packages/ops' list), each service's defaults from its
 * own config schema (compiled: run `npm run build` first), and what it consumes from the topic catalog.
 */
'use strict';
const path = require('node:path');
const { SERVICES } = require('@orderflow/ops');
const { roleOf: schemaRole, dbSchemaOf } = require('@orderflow/service-kit');
const topicCatalog = require('../schemas/topics.json');

const root = path.resolve(__dirname, '..');

/** Versions of the infrastructure images; Kafka is the version tools/infra.js runs locally. */
const INFRA = {
  kafkaImage: 'apache/kafka:3.9.2',
  registryImage: 'apicurio/apicurio-registry:3.0.9',
  postgresImage: 'postgres:16-bookworm',
  mailImage: 'axllent/mailpit:v1.27',
};

/** Where the services find the infrastructure, as DNS names inside a cluster or a compose project. */
const ENDPOINTS = {
  kafka: 'kafka:9092',
  registry: 'http://schema-registry:8080/apis/ccompat/v7',
  postgresHost: 'postgres',
  postgresPort: 5432,
  database: 'orderflow',
  smtpHost: 'smtp',
  smtpPort: 1025,
};

/**
 * @typedef {{ name: string, port: number, schema: string, group: string, topics: string[], maxPartitions: number,
 *   smtp: boolean, admin: boolean }} ServiceModel
 */

/** @returns {ServiceModel[]} */
function services() {
  return SERVICES.map((name) => {
    /** @type {{ readConfig(env: object): { HTTP_PORT: number }, configSchema: { shape: object } }} */
    const cfg = require(path.join(root, 'services', name, 'dist', 'config.js'));
    const consumed = topicCatalog.topics.filter((t) => t.consumers.includes(name));
    return {
      name,
      port: cfg.readConfig({}).HTTP_PORT,
      schema: dbSchemaOf(name),
      // The runtime's default group id with no TOPIC_PREFIX: the service name.
      group: name,
      topics: consumed.map((t) => t.topic),
      // A consumer group never uses more members than the partitions of a topic it reads.
      maxPartitions: Math.min(...consumed.map((t) => t.partitions)),
      smtp: name === 'notification',
      // Services with admin actions (inventory's stock, analytics' redrive) need an ADMIN_TOKEN in production.
      admin: 'ADMIN_TOKEN' in cfg.configSchema.shape,
    };
  });
}

/** The database role of a service, as service-kit names it. */
const roleOf = (/** @type {ServiceModel} */ s) => schemaRole(s.schema);

/** The variable through which `orderflow-ops db-bootstrap` takes a service role's password. */
const bootstrapPasswordVar = (/** @type {ServiceModel} */ s) => `DATABASE_PASSWORD_${s.schema.toUpperCase()}`;

/** DATABASE_URL of a service without its password: that comes from DATABASE_PASSWORD (a Secret of its own). */
const databaseUrl = (/** @type {ServiceModel} */ s) =>
  `postgres://${roleOf(s)}@${ENDPOINTS.postgresHost}:${ENDPOINTS.postgresPort}/${ENDPOINTS.database}`;

module.exports = { root, INFRA, ENDPOINTS, services, roleOf, bootstrapPasswordVar, databaseUrl, topicCatalog };
