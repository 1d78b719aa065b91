export { setupTopicsAndSchemas, bootstrapDatabases, SERVICES } from './setup';
export { SERVICE_NODE_OPTIONS } from './runtime';
export { catalogAcls, kafkaAclsCommands } from './acls';
export type { Acl } from './acls';
export type { SetupOptions } from './setup';
export { listDeadLetters, redrive } from './dlq';
export { main } from './cli';
export { listParkedRows, resolveParkedRow } from './outbox';
