import type { Pool } from 'pg';
import type { EventCodec, EventType } from '@orderflow/contracts';
import { retriability, errorMessage } from '@orderflow/errors';
import { ConsumerRunner, EventProducer, type InboundMessage, type KafkaClient } from '@orderflow/messaging';
import { EventProcessor, type Route } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger, ServiceDefinition } from '@orderflow/service-kit';
import type { Config } from '../config';

export interface ShadowConsumerOptions {
  kafka: KafkaClient;
  /** The analytics service definition: its handlers are the fold, reused as they are. */
  def: ServiceDefinition<Config>;
  /** A pool whose search_path is the shadow schema: the handlers' unqualified tables resolve there. */
  pool: Pool;
  shadow: string;
  codec: EventCodec;
  groupId: string;
  log: Logger;
}

export interface ShadowConsumer {
  runner: ConsumerRunner;
  /** Records the live service dead-lettered too (undecodable, unknown schema): skipped, never dead-lettered twice. */
  skipped(): number;
}

/**
 * A consumer group of its own that runs analytics' own handlers (the same set-based `record`) into the shadow
 * schema, from the earliest offsets. A record that fails for good is skipped and counted rather than dead-lettered:
 * the live service already dead-lettered it once, and a rebuild must not add copies to the dead-letter topics.
 */
export function shadowConsumer(o: ShadowConsumerOptions): ShadowConsumer {
  const processor = new EventProcessor({
    pool: o.pool,
    schema: o.shadow,
    codec: o.codec,
    source: o.def.name,
    inbox: o.def.inbox,
  });
  const routes = new Map<string, Route>();
  for (const [type, handler] of Object.entries(o.def.handlers) as [EventType, EventHandler<EventType>][]) {
    const many = o.def.batchHandlers?.[type] as BatchEventHandler<EventType> | undefined;
    routes.set(o.codec.topicOf(type), {
      type,
      handle: (event: never, ctx) => handler(event, { ...ctx, log: o.log }),
      ...(many ? { handleMany: (tx, items) => many(items, { tx, log: o.log }) } : {}),
    });
  }
  const single = new Map([...routes].map(([topic, r]) => [topic, processor.on(r.type, r.handle as never)]));
  const batch = processor.batch((topic) => routes.get(topic));
  let skipped = 0;
  const runner = new ConsumerRunner(o.kafka, {
    groupId: o.groupId,
    service: `${o.def.name}-rebuild`,
    topics: [...routes.keys()],
    fromBeginning: true,
    maxBatchSize: o.def.config.CONSUMER_BATCH_SIZE,
    partitionsConsumedConcurrently: o.def.config.PARTITIONS_CONCURRENCY,
    // Errors of unknown kind retry (the progress shows the error) instead of ever reaching a dead-letter topic.
    maxUnknownAttempts: Number.MAX_SAFE_INTEGER,
    deadLetterProducer: new EventProducer(o.kafka),
    logger: o.log,
    batchHandler: async (messages) => void (await batch(messages)),
    handler: async (message: InboundMessage) => {
      const handle = single.get(message.topic);
      if (!handle) throw new Error(`no handler for topic ${message.topic}`);
      try {
        await handle(message);
      } catch (err) {
        if (retriability(err) !== 'permanent') throw err;
        skipped += 1;
        o.log.warn(
          { topic: message.topic, offset: message.offset, err: errorMessage(err) },
          'rebuild skipped a record',
        );
      }
    },
  });
  return { runner, skipped: () => skipped };
}
