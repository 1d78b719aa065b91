import { Client } from 'pg';
import { EVENT_TYPES, EventCodec } from '@orderflow/contracts';
import { PermanentError, errorMessage } from '@orderflow/errors';
import { KafkaAdmin, createKafka } from '@orderflow/messaging';
import { createLogger, createPool, dbSchemaOf } from '@orderflow/service-kit';
import type { Config } from '../config';
import { analytics, SERVICE_NAME } from '../service';
import { shadowConsumer } from './consumer';
import type { ModelDiff } from './diff';
import { startRebuild, updateRebuild } from './progress';
import { prepareShadow } from './shadow';
import { switchOver } from './switch';

export interface RebuildOptions {
  /** Called after every progress poll. */
  onProgress?: (p: { consumed: number; target: number; skipped: number; error?: string | undefined }) => void;
  /** @default 1000 */
  pollMs?: number;
}

export interface RebuildReport {
  id: number;
  liveGroup: string;
  rebuildGroup: string;
  shadowSchema: string;
  target: number;
  skipped: number;
  diff: ModelDiff;
  /** How long the live model's writers were held for the switch, and in how many tries. */
  switch: { heldMs: number; attempts: number };
}

/** Offsets per "topic/partition". */
type Offsets = Map<string, { low: bigint; at: bigint }>;

/**
 * Rebuilds analytics' read model from the topics while the live service keeps consuming and serving: a shadow copy
 * is built by a consumer group of its own from the earliest offsets, with the same handlers; once it has read
 * everything the live group had consumed when the rebuild started, it is switched in atomically (see switchOver)
 * and compared with the model it replaces. Nothing half-built is ever served: until the switch, queries read the
 * live model, which never stops being complete.
 *
 * Refuses: a live group the broker has no offsets of (a prefix or group that is not the running service's), a
 * rebuild already running (an advisory lock), a rebuild group with members.
 */
export async function rebuild(config: Config, o: RebuildOptions = {}): Promise<RebuildReport> {
  const def = analytics(config);
  const log = createLogger(`${SERVICE_NAME}-rebuild`, config.LOG_LEVEL);
  const schema = config.DB_SCHEMA ?? dbSchemaOf(SERVICE_NAME);
  const liveGroup = config.CONSUMER_GROUP ?? `${config.TOPIC_PREFIX}${SERVICE_NAME}`;
  const rebuildGroup = `${liveGroup}.rebuild`;
  const codec = new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, topicPrefix: config.TOPIC_PREFIX });
  const topics = EVENT_TYPES.map((t) => codec.topicOf(t));
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE_NAME}-rebuild`, logger: log });
  const admin = new KafkaAdmin(kafka);
  const livePool = createPool(config.DATABASE_URL, 2, `${SERVICE_NAME}-rebuild`, schema);
  const lock = await withLockClient(config.DATABASE_URL, `analytics-rebuild:${schema}`);
  await admin.connect();
  let id: number | undefined;
  let stop: (() => Promise<void>) | undefined;
  try {
    const target = await targetOffsets(admin, liveGroup, topics);
    if ((await admin.groupMembers(rebuildGroup)) > 0) {
      throw new PermanentError(
        `consumer group ${rebuildGroup} has members: is another rebuild running?`,
        'REBUILD_RUNNING',
      );
    }
    await admin.deleteGroup(rebuildGroup); // ours, idle: a fresh group starts at the earliest offsets
    const shadow = await prepareShadow({
      databaseUrl: config.DATABASE_URL,
      adminUrl: config.DATABASE_ADMIN_URL,
      schema,
      migrationsDir: def.migrationsDir,
    });
    const total = sum([...target.values()].map((p) => p.at - p.low));
    id = await startRebuild(livePool, rebuildGroup, shadow, total);
    const shadowPool = createPool(config.DATABASE_URL, config.DB_POOL_MAX, `${SERVICE_NAME}-rebuild`, shadow);
    const consumer = shadowConsumer({ kafka, def, pool: shadowPool, shadow, codec, groupId: rebuildGroup, log });
    let stopped = false;
    stop = async () => {
      if (stopped) return;
      stopped = true;
      await consumer.runner.stop();
      await shadowPool.end();
    };
    await consumer.runner.start();

    // Progress: records up to the target offsets the shadow group has committed.
    for (;;) {
      const done = await consumedUpTo(admin, rebuildGroup, topics, target);
      const error = consumer.runner.stats().lastError;
      await updateRebuild(livePool, id, { consumed: done });
      o.onProgress?.({ consumed: done, target: total, skipped: consumer.skipped(), error });
      if (done >= total) break;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
    await updateRebuild(livePool, id, { status: 'switching' });
    const rebuildId = id;
    const { diff, heldMs, attempts } = await switchOver({
      pool: livePool,
      live: schema,
      shadow,
      stopShadow: stop,
      onSwitched: (tx, d) => updateRebuild(tx, rebuildId, { status: 'switched', consumed: total, diff: d }),
    });
    await admin.deleteGroup(rebuildGroup); // stopped: its offsets are of no further use
    return {
      id,
      liveGroup,
      rebuildGroup,
      shadowSchema: shadow,
      target: total,
      skipped: consumer.skipped(),
      diff,
      switch: { heldMs, attempts },
    };
  } catch (err) {
    if (id !== undefined)
      await updateRebuild(livePool, id, { status: 'failed', error: errorMessage(err) }).catch(() => undefined);
    throw err;
  } finally {
    await stop?.().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await livePool.end();
    await lock.release();
  }
}

/**
 * Where the live group stands now, per partition: what the shadow must read before it may be switched in. A group
 * the broker knows no offsets of is refused: a wrong prefix or group name would otherwise "rebuild" nothing.
 */
async function targetOffsets(admin: KafkaAdmin, group: string, topics: string[]): Promise<Offsets> {
  const committed = await admin.committedOffsets(group, topics);
  if (committed.size === 0) {
    throw new PermanentError(
      `consumer group ${group} has no committed offsets on the analytics topics: check TOPIC_PREFIX and CONSUMER_GROUP ` +
        `(they must be the running analytics service's)`,
      'UNKNOWN_CONSUMER_GROUP',
    );
  }
  const out: Offsets = new Map();
  for (const topic of topics) {
    for (const [partition, { low }] of await admin.watermarks(topic)) {
      const at = committed.get(topic)?.get(partition) ?? low;
      out.set(`${topic}/${partition}`, { low, at: at < low ? low : at });
    }
  }
  return out;
}

async function consumedUpTo(admin: KafkaAdmin, group: string, topics: string[], target: Offsets): Promise<number> {
  const committed = await admin.committedOffsets(group, topics);
  let n = 0n;
  for (const [key, { low, at }] of target) {
    const [topic, partition] = [key.slice(0, key.lastIndexOf('/')), Number(key.slice(key.lastIndexOf('/') + 1))];
    const c = committed.get(topic)?.get(partition) ?? low;
    n += (c < at ? c : at) - low > 0n ? (c < at ? c : at) - low : 0n;
  }
  return Number(n);
}

const sum = (xs: bigint[]) => Number(xs.reduce((a, b) => a + b, 0n));

/** Holds a session-level advisory lock on its own connection for as long as the rebuild runs. */
async function withLockClient(url: string, key: string): Promise<{ release: () => Promise<void> }> {
  const c = new Client({ connectionString: url, application_name: 'analytics-rebuild-lock' });
  await c.connect();
  const got = (await c.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key])).rows[0].ok as boolean;
  if (!got) {
    await c.end();
    throw new PermanentError('another analytics rebuild is running on this schema', 'REBUILD_RUNNING');
  }
  return { release: () => c.end() };
}
