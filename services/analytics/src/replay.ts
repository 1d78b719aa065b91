import { EVENT_TYPES, EventCodec } from '@orderflow/contracts';
import { PermanentError } from '@orderflow/errors';
import { KafkaAdmin, createKafka } from '@orderflow/messaging';
import { readConfig, type Config } from './config';
import { truncateDerived } from './db/reset';
import { SERVICE_NAME } from './service';

export interface ReplayReport {
  groupId: string;
  topics: string[];
  truncated: string[];
}

/**
 * The operator's rebuild: forget everything analytics derived and send its consumer group back to the start of every
 * topic (topics keep records forever), so that the next start rebuilds all views from Kafka.
 *
 * Refuses while the group has members: a running instance would keep committing offsets and writing rows.
 * The group is rewound by deleting it (with its offsets): the service's consumer starts a group it does not know from
 * the earliest offsets, so this is a reset to earliest of all 12 topics in one request, where
 * KafkaAdmin.resetToEarliest costs ~5 s per topic. The broker itself refuses to delete a group with members.
 * Offsets are rewound before the tables are emptied: if the second step fails, the next start re-reads everything
 * and the inbox skips what is already there (consistent, just not rebuilt), while the reverse order could leave
 * empty tables with offsets at the end. Running it again is always safe.
 */
export async function replay(config: Config): Promise<ReplayReport> {
  // The same defaults runService uses for the group and the schema.
  const groupId = config.CONSUMER_GROUP ?? `${config.TOPIC_PREFIX}${SERVICE_NAME}`;
  const schema = config.DB_SCHEMA ?? SERVICE_NAME.replace(/-/g, '_');
  const codec = new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, topicPrefix: config.TOPIC_PREFIX });
  const topics = EVENT_TYPES.map((t) => codec.topicOf(t));
  const admin = new KafkaAdmin(createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE_NAME}-replay` }));
  await admin.connect();
  try {
    const members = await admin.groupMembers(groupId);
    if (members > 0) {
      throw new PermanentError(
        `consumer group ${groupId} still has ${members} member(s): stop analytics (scale it to 0 replicas) before a replay`,
        'CONSUMER_GROUP_ACTIVE',
      );
    }
    await admin.deleteGroup(groupId);
    const truncated = await truncateDerived(config.DATABASE_URL, schema);
    return { groupId, topics, truncated };
  } finally {
    await admin.disconnect();
  }
}

if (require.main === module) {
  replay(readConfig()).then(
    (r) => {
      process.stdout.write(
        `analytics replay ready: emptied ${r.truncated.join(', ')}; group ${r.groupId} rewound to the earliest offsets of ` +
          `${r.topics.length} topics. Start analytics to rebuild.\n`,
      );
    },
    (err: unknown) => {
      process.stderr.write(`analytics replay failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
