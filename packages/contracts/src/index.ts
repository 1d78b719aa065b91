export * from './generated';
export {
  catalog,
  catalogTopics,
  schemaOf,
  schemaVersionsOf,
  topicSpec,
  subjectOf,
  deadLetterTopicOf,
  isEventType,
} from './catalog';
export type { TopicSpec } from './catalog';
export { EventCodec } from './codec';
export type { CodecOptions, Decoded } from './codec';
export { newMetadata, cloudEventHeaders } from './metadata';
export type { EventMetadata, Cause } from './metadata';
export { checkFullTransitive, describeProblems } from './compatibility';
export type { CompatibilityProblem } from './compatibility';
export { isEmailAddress, MAX_EMAIL_LENGTH, PAYMENT_DEADLINE_REASON } from './rules';
