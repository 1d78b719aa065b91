'use strict';
/**
 * The Docker path (TESTCONTAINERS=1): the same stack as the local infrastructure, in containers. Not used by CI
 * here (no Docker engine on that machine), kept for developers who have Docker.
 */
async function startContainers() {
  const { GenericContainer, Wait, Network } = require('testcontainers');
  const { KafkaContainer } = require('@testcontainers/kafka');
  const { PostgreSqlContainer } = require('@testcontainers/postgresql');
  const network = await new Network().start();
  const pg = await new PostgreSqlContainer('postgres:15')
    .withNetwork(network)
    .withNetworkAliases('postgres')
    .withDatabase('orderflow')
    .withUsername('postgres')
    .withPassword('postgres')
    .start();
  const kafka = await new KafkaContainer('confluentinc/cp-kafka:7.7.1').withKraft().start();
  const registry = await new GenericContainer('apicurio/apicurio-registry:3.0.9')
    .withNetwork(network)
    .withEnvironment({
      APICURIO_STORAGE_KIND: 'sql',
      APICURIO_STORAGE_SQL_KIND: 'postgresql',
      APICURIO_DATASOURCE_URL: 'jdbc:postgresql://postgres:5432/orderflow',
      APICURIO_DATASOURCE_USERNAME: 'postgres',
      APICURIO_DATASOURCE_PASSWORD: 'postgres',
    })
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/health/ready', 8080))
    .start();
  process.env.KAFKA_BROKERS = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
  process.env.SCHEMA_REGISTRY_URL = `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`;
  process.env.DATABASE_URL = pg.getConnectionUri();
  globalThis.__ORDERFLOW_CONTAINERS__ = [registry, kafka, pg, network];
}

module.exports = { startContainers };
