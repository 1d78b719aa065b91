export {
  testEnv,
  uniqueId,
  uniquePrefix,
  createTestDatabase,
  waitFor,
  freePort,
  rolePassword,
  secretsDir,
} from './env';
export type { WaitOptions } from './env';
export { anOrder, aLine, aCustomer, anAddress } from './builders';
export type { OrderOverrides } from './builders';
export { TestKafka } from './kafka';
export { startSmtpSink, parseMail } from './smtp';
export type { ReceivedMail, SmtpSink, RecipientPolicy } from './smtp';
export { serviceEnv, getJson } from './service';
export { Component, componentTest } from './component';
export type { ComponentOptions, StartComponent, TestDatabase } from './component';
export { Platform, terminalStage, ADMIN_TOKEN, READ_TOKEN, SERVICES } from './platform';
export type { ServiceName } from './platform';
export { startOtlpReceiver, SpanKind } from './otlp';
export type { OtlpReceiver, ReceivedSpan } from './otlp';
