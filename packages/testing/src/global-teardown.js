'use strict';
/** Jest global teardown: stops the containers that global-setup started (TESTCONTAINERS=1 only). */
module.exports = async function globalTeardown() {
  const started = globalThis.__ORDERFLOW_CONTAINERS__ || [];
  for (const c of started) await c.stop();
};
