export { appendToOutbox, claimInbox, claimInboxMany } from './writer';
export type { OutboxRecord, InboxEntry } from './writer';
export { OutboxRelay } from './relay';
export type { RelayMetrics, RelayOptions, RelayStatus } from './relay';
export { EventProcessor } from './processor';
export type { BatchItem, Emit, HandlerContext, ProcessorOptions, Route } from './processor';
export { outboxDdl, notifyChannel, ident } from './sql';
