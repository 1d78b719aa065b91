import type { Admin, Kafka } from 'kafkajs';

export interface TopicSettings {
  topic: string;
  partitions: number;
  /** -1 keeps records forever. */
  retentionMs: number;
  /** Further topic configs, e.g. { 'max.message.bytes': '2048' }. */
  config?: Record<string, string>;
  /** @default 1 (single-broker development cluster); set to 3 in production. */
  replicationFactor?: number;
}

/** Unconsumed records of one partition for one consumer group. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Topic and consumer-group administration (create topics, lag, offset resets for replays). */
export class KafkaAdmin {
  private readonly admin: Admin;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  /** Creates the topics that do not exist yet; existing ones are left as they are. Idempotent. */
  async ensureTopics(topics: readonly TopicSettings[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    await this.admin.createTopics({
      // kafkajs only retries LEADER_NOT_AVAILABLE while waiting; a KRaft broker may still answer
      // UNKNOWN_TOPIC_OR_PARTITION for a moment after creating a topic, so we wait ourselves (below).
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor ?? 1,
        configEntries: [
          { name: 'retention.ms', value: String(t.retentionMs) },
          { name: 'min.insync.replicas', value: String(Math.max(1, (t.replicationFactor ?? 1) - 1)) },
          ...Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        ],
      })),
    });
    await this.waitForLeaders(missing.map((t) => t.topic));
    return missing.map((t) => t.topic);
  }

  /** Polls metadata until every partition of `topics` has a leader (new topics propagate asynchronously). */
  async waitForLeaders(topics: string[], timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const { topics: meta } = await this.admin.fetchTopicMetadata({ topics });
        if (
          meta.length === topics.length &&
          meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        ) {
          return;
        }
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms: ${(last as Error)?.message ?? 'no leader'}`,
    );
  }

  async listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async deleteTopics(topics: string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length) await this.admin.deleteTopics({ topics: present });
  }

  /**
   * Records not yet consumed by `groupId`, per partition: the high watermark minus the committed offset (or minus
   * the low watermark where the group has committed nothing yet). Two round trips per topic; for a background
   * gauge, not for a per-scrape query.
   */
  async partitionLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const out: PartitionLag[] = [];
    const committed = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const t of committed) {
      const ends = new Map((await this.admin.fetchTopicOffsets(t.topic)).map((e) => [e.partition, e]));
      for (const p of t.partitions) {
        const end = ends.get(p.partition);
        const high = Number(end?.high ?? 0);
        const at = Number(p.offset) < 0 ? Number(end?.low ?? 0) : Number(p.offset);
        out.push({ topic: t.topic, partition: p.partition, lag: Math.max(0, high - at) });
      }
    }
    return out;
  }

  /** Records not yet consumed by `groupId`, per topic (sum over partitions). */
  async lag(groupId: string, topics: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const committed = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const t of committed) {
      const ends = await this.admin.fetchTopicOffsets(t.topic);
      let lag = 0;
      for (const p of t.partitions) {
        const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
        const low = Number(ends.find((e) => e.partition === p.partition)?.low ?? 0);
        const at = Number(p.offset) < 0 ? low : Number(p.offset);
        lag += Math.max(0, end - at);
      }
      out[t.topic] = lag;
    }
    return out;
  }

  /**
   * The offsets `groupId` committed on `topics`, per topic and partition; a partition the group never committed on
   * is absent. An empty result means the broker knows no offsets of that group on those topics.
   */
  async committedOffsets(groupId: string, topics: readonly string[]): Promise<Map<string, Map<number, bigint>>> {
    const out = new Map<string, Map<number, bigint>>();
    for (const t of await this.admin.fetchOffsets({ groupId, topics: [...topics] })) {
      const parts = new Map<number, bigint>();
      for (const p of t.partitions) if (Number(p.offset) >= 0) parts.set(p.partition, BigInt(p.offset));
      if (parts.size) out.set(t.topic, parts);
    }
    return out;
  }

  /** Low and high watermarks per partition: what a reader from the earliest offset would read. */
  async watermarks(topic: string): Promise<Map<number, { low: bigint; high: bigint }>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
  }

  /** End offset (high watermark) per partition. */
  async endOffsets(topic: string): Promise<Map<number, string>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, o.high]));
  }

  /** Moves a (stopped) consumer group back to the start of the topics: the basis of a replay. */
  async resetToEarliest(groupId: string, topics: readonly string[]): Promise<void> {
    for (const topic of topics) await this.admin.resetOffsets({ groupId, topic, earliest: true });
  }

  /**
   * Deletes a (stopped) consumer group and every offset it committed, in one request: its next start begins where
   * its consumers' `fromBeginning` says (earliest for ConsumerRunner). For a full replay this is resetToEarliest over
   * all of the group's topics without its cost (kafkajs joins the group once per topic there, ~5 s each).
   * The broker refuses while the group has members; a group that does not exist is left as it is.
   */
  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (err) {
      const groups = (err as { groups?: { errorCode: number }[] }).groups;
      if (groups?.length && groups.every((g) => g.errorCode === 69)) return; // GROUP_ID_NOT_FOUND
      throw err;
    }
  }

  /** Members of a group; a replay refuses to run while the group still has members. */
  async groupMembers(groupId: string): Promise<number> {
    const { groups } = await this.admin.describeGroups([groupId]);
    return groups[0]?.members.length ?? 0;
  }
}
