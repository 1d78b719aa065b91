/**
 * One Jest run for the whole monorepo. Tests import workspace packages from source (no build needed for unit and
 * component tests); e2e tests start the built services (`npm run build`) as real processes.
 * Infra (Kafka, registry, Postgres) is brought up by `npm test` before Jest starts; see tools/infra.js.
 */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/packages',
    '<rootDir>/services',
    '<rootDir>/e2e',
    '<rootDir>/deploy',
    '<rootDir>/chaos',
    '<rootDir>/bench',
    '<rootDir>/schemas',
    '<rootDir>/tools',
  ],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleNameMapper: { '^@orderflow/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts' },
  globalSetup: '<rootDir>/packages/testing/src/global-setup.js',
  globalTeardown: '<rootDir>/packages/testing/src/global-teardown.js',
  reporters: ['default', '<rootDir>/packages/testing/src/summary-reporter.js'],
  testTimeout: 120000,
  maxWorkers: 2,
};
