'use strict';
/**
 * Jest global setup: makes sure the real infrastructure is there before any test runs.
 *  - Default: the local infrastructure (`npm test` runs `npm run infra:up` first), addressed by KAFKA_BROKERS,
 *    SCHEMA_REGISTRY_URL and DATABASE_URL or their defaults.
 *  - TESTCONTAINERS=1 (machines with Docker): starts Kafka, Apicurio and PostgreSQL containers and exports their
 *    addresses to the tests through the environment.
 */
const net = require('node:net');

module.exports = async function globalSetup() {
  if (process.env.TESTCONTAINERS === '1') {
    const { startContainers } = require('./containers');
    await startContainers();
  }
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  const registry = process.env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081/apis/ccompat/v7';
  const [host, port] = (brokers[0] ?? '').split(':');
  const open = await new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  if (!open)
    throw new Error(`Kafka is not reachable at ${brokers[0]}: run \`npm run infra:up\` (npm test does it for you)`);
  const res = await fetch(`${registry}/subjects`).catch((e) => ({ ok: false, statusText: e.message }));
  if (!res.ok)
    throw new Error(`schema registry not reachable at ${registry} (${res.statusText}): run \`npm run infra:up\``);
};
