import { eventSchemas, topicCatalog } from './generated/schemas';
import { EVENT_TYPES, type EventType } from './generated';

/** One entry of schemas/topics.json. */
export interface TopicSpec {
  topic: string;
  eventType: EventType;
  key: string;
  partitions: number;
  retentionMs: number;
  subject: string;
  producer: string;
  consumers: readonly string[];
}

/** Broker access rules of the catalog (see schemas/topics.json `access`). */
export interface AccessSpec {
  /** Principal of a client, `{client}` replaced by its name (a service, upstream, the operator). */
  principal: string;
  /** Consumer group of a service, `{prefix}` and `{service}` replaced. */
  consumerGroup: string;
  /** Client name of the operator tool (orderflow-ops). */
  operator: string;
  /** Prefix of the operator's throwaway reader groups. */
  operatorGroupPrefix: string;
  /** Services that may delete their own consumer group (replay). */
  groupAdmins: readonly string[];
}

export const catalog = {
  compatibility: topicCatalog.compatibility,
  deadLetter: topicCatalog.deadLetter,
  access: topicCatalog.access as AccessSpec,
  topics: topicCatalog.topics as readonly TopicSpec[],
};

/** The Avro schema (JSON) of one version of an event type; the latest when `version` is omitted. */
export function schemaOf(type: EventType, version?: number): object {
  const versions = eventSchemas[type];
  const v = version === undefined ? versions[versions.length - 1] : versions.find((x) => x.version === version);
  if (!v) throw new Error(`no schema version ${version} for ${type}`);
  return v.schema as object;
}

/** Every version of an event type's schema, ascending. */
export function schemaVersionsOf(type: EventType): readonly { version: number; schema: object }[] {
  return eventSchemas[type] as readonly { version: number; schema: object }[];
}

export function topicSpec(type: EventType): TopicSpec {
  const spec = catalog.topics.find((t) => t.eventType === type);
  if (!spec) throw new Error(`event type ${type} is not in the topic catalog`);
  return spec;
}

/** Confluent TopicNameStrategy: `<topic>-value`. */
export function subjectOf(topic: string): string {
  return `${topic}-value`;
}

export function deadLetterTopicOf(topic: string): string {
  return `${topic}${catalog.deadLetter.suffix}`;
}

/**
 * Every catalog topic and its dead-letter topic under `prefix`, with the catalog's partitions and retention
 * (`partitions` overrides the event topics' count, e.g. for a small local or test cluster).
 */
export function catalogTopics(prefix = '', opts: { partitions?: number } = {}) {
  return catalog.topics.flatMap((t) => [
    { topic: `${prefix}${t.topic}`, partitions: opts.partitions ?? t.partitions, retentionMs: t.retentionMs },
    {
      topic: deadLetterTopicOf(`${prefix}${t.topic}`),
      partitions: catalog.deadLetter.partitions,
      retentionMs: catalog.deadLetter.retentionMs,
    },
  ]);
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
