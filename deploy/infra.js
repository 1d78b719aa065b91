// @ts-check
/**
 * The infrastructure containers of docker-compose.yml and the local Kubernetes overlay: Apache Kafka (KRaft, one
 * node, the version tools/infra.js runs), Apicurio Registry with SQL storage on PostgreSQL (schema ids survive a
 * restart), PostgreSQL and Mailpit (SMTP + web UI). One definition, two renderings.
 */
'use strict';
const { INFRA, ENDPOINTS } = require('./model');

/** Local-only superuser password (compose and the local overlay); production brings its own database. */
const POSTGRES_PASSWORD = 'orderflow-local';

const kafkaEnv = {
  KAFKA_NODE_ID: '1',
  KAFKA_PROCESS_ROLES: 'broker,controller',
  KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
  KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${ENDPOINTS.kafka}`,
  KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
  KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
  KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
  KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
  KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
  KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
  // Topics come from the catalog (the setup job), never from a producer's first write.
  KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
  KAFKA_LOG_DIRS: '/var/lib/kafka/data',
};

const registryEnv = {
  APICURIO_STORAGE_KIND: 'sql',
  APICURIO_STORAGE_SQL_KIND: 'postgresql',
  APICURIO_DATASOURCE_URL: `jdbc:postgresql://${ENDPOINTS.postgresHost}:${ENDPOINTS.postgresPort}/${ENDPOINTS.database}`,
  APICURIO_DATASOURCE_USERNAME: 'postgres',
  APICURIO_DATASOURCE_PASSWORD: POSTGRES_PASSWORD,
  APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
};

const postgresEnv = { POSTGRES_PASSWORD, POSTGRES_DB: ENDPOINTS.database };

/** Admin connection of the setup job (db-bootstrap), local only. */
const adminDatabaseUrl = `postgres://postgres:${POSTGRES_PASSWORD}@${ENDPOINTS.postgresHost}:${ENDPOINTS.postgresPort}/${ENDPOINTS.database}`;

/**
 * Local demo secrets (compose and the local overlay only; production creates its own): each service role's password,
 * the token of personal-data reads and the admin token (16+ characters and distinct, as production mode demands).
 */
const localRolePassword = (/** @type {string} */ schema) => `local-${schema.replace(/_/g, '-')}-db-password`;
const LOCAL_READ_TOKEN = 'local-read-token-change-me';
const LOCAL_ADMIN_TOKEN = 'local-admin-token-change-me';

module.exports = {
  INFRA,
  kafkaEnv,
  registryEnv,
  postgresEnv,
  adminDatabaseUrl,
  localRolePassword,
  LOCAL_READ_TOKEN,
  LOCAL_ADMIN_TOKEN,
  POSTGRES_PASSWORD,
};
