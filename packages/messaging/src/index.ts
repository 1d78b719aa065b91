export { createKafka, headersToStrings } from './kafka';
export { fixKafkajs } from './kafkajs-fixes';
export { EventProducer, RecordRejectedError, kafkaErrorType } from './producer';
export type { ProducerOptions } from './producer';
export { murmur2, murmur2Partitioner } from './partitioner';
export { ConsumerRunner } from './consumer';
export type {
  ConsumerRunnerOptions,
  ConsumerState,
  ConsumerStats,
  ConsumerObserver,
  MessageHandler,
  BatchHandler,
} from './consumer-options';
export type { StalledPartition } from './stalls';
export { KafkaAdmin } from './admin';
export type { PartitionLag, TopicSettings } from './admin';
export { readTopic } from './read';
export { redriveDeadLetters } from './redrive';
export type { RedriveOptions } from './redrive';
export type { InboundMessage, OutboundMessage, Logger, KafkaSettings } from './types';
export { silentLogger } from './types';
/** The client type, re-exported so callers can pass it around without importing kafkajs. */
export type { Kafka as KafkaClient } from 'kafkajs';
