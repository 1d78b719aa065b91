import { catalogTopics, EventCodec, EVENT_TYPES } from '@orderflow/contracts';
import { createKafka, KafkaAdmin } from '@orderflow/messaging';
import { bootstrapServiceDatabase, dbSchemaOf } from '@orderflow/service-kit';

export interface SetupOptions {
  brokers: string[];
  registryUrl: string;
  topicPrefix?: string;
  /** Overrides the catalog's partition count (small local clusters). */
  partitions?: number;
  replicationFactor?: number;
}

/**
 * Creates every catalog topic and its dead-letter topic (idempotent) and registers the latest schema of every event
 * type under `<topic>-value` with FULL_TRANSITIVE compatibility. Returns what it did.
 */
export async function setupTopicsAndSchemas(o: SetupOptions) {
  const prefix = o.topicPrefix ?? '';
  const kafka = createKafka({ brokers: o.brokers, clientId: 'orderflow-ops' });
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    const topics = catalogTopics(prefix, o.partitions ? { partitions: o.partitions } : {}).map((t) => ({
      ...t,
      replicationFactor: o.replicationFactor ?? 1,
    }));
    const created = await admin.ensureTopics(topics);
    const codec = new EventCodec({ registryUrl: o.registryUrl, topicPrefix: prefix });
    const schemas: Record<string, number> = {};
    for (const type of EVENT_TYPES) schemas[`${codec.topicOf(type)}-value`] = await codec.register(type);
    return { created, existing: topics.length - created.length, schemas };
  } finally {
    await admin.disconnect();
  }
}

export const SERVICES = [
  'order-validator',
  'inventory',
  'payment',
  'fulfillment',
  'notification',
  'analytics',
] as const;

/** Creates each service's role and schema (idempotent) with an administrative connection. */
export async function bootstrapDatabases(adminUrl: string, password: string): Promise<string[]> {
  const done: string[] = [];
  for (const s of SERVICES) {
    const schema = dbSchemaOf(s);
    await bootstrapServiceDatabase(adminUrl, schema, password);
    done.push(schema);
  }
  return done;
}
