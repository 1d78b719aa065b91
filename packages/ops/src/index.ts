export { setupTopicsAndSchemas, bootstrapDatabases, SERVICES } from './setup';
export type { SetupOptions } from './setup';
export { listDeadLetters, redrive } from './dlq';
export { main } from './cli';
export { listParkedRows, resolveParkedRow } from './outbox';
