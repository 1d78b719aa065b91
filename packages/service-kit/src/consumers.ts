import type { EventCodec, EventType } from '@orderflow/contracts';
import { ConsumerRunner, type InboundMessage } from '@orderflow/messaging';
import type { EventProcessor, HandlerContext, Route } from '@orderflow/outbox';
import type { BaseConfig } from './config';
import type { BatchEventHandler, EventHandler, ServiceDefinition } from './definition';
import type { Logger } from './logger';
import { consumerObserver, type PlatformInstruments } from './metrics';
import type { Resources } from './resources';
import { tracingEnabled, withRecordSpans } from './tracing';

/** The consumer group of a service: configured, or the prefixed service name. */
export function groupIdOf(config: BaseConfig, name: string): string {
  return config.CONSUMER_GROUP ?? `${config.TOPIC_PREFIX}${name}`;
}

/** The consumer runner over the service's handled topics; none for the relay role or a service that consumes nothing. */
export function buildConsumer<C extends BaseConfig>(
  def: ServiceDefinition<C>,
  r: Resources<C>,
  m: PlatformInstruments,
  afterCommit: () => void,
): ConsumerRunner | undefined {
  const { config, codec } = r;
  if (config.ROLE === 'relay' || Object.keys(def.handlers).length === 0) return undefined;
  return new ConsumerRunner(r.kafka, {
    groupId: groupIdOf(config, def.name),
    service: def.name,
    topics: consumedTopics(def, codec),
    ...dispatchers(def, r.processor, codec, r.log, m, groupIdOf(config, def.name), afterCommit),
    maxBatchSize: def.consumerBatchSize ?? config.CONSUMER_BATCH_SIZE,
    deadLetterProducer: r.producer,
    partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENCY,
    commitIntervalMs: config.CONSUMER_COMMIT_INTERVAL_MS,
    lingerMs: consumerLingerOf(config, def),
    logger: r.log,
    observer: consumerObserver(m),
  });
}

/** The consumer's fetch linger: CONSUMER_LINGER_MS if set, else the service's own, else none. */
export function consumerLingerOf(
  config: Pick<BaseConfig, 'CONSUMER_LINGER_MS'>,
  def: Pick<ServiceDefinition<BaseConfig>, 'consumerLingerMs'>,
): number {
  return config.CONSUMER_LINGER_MS ?? def.consumerLingerMs ?? 0;
}

/** The topics of the event types the service handles. */
export function consumedTopics(def: Pick<ServiceDefinition<BaseConfig>, 'handlers'>, codec: EventCodec): string[] {
  return (Object.keys(def.handlers) as EventType[]).map((t) => codec.topicOf(t));
}

/** Routes by topic to the handlers, each given a logger that carries the order. */
function routesOf(def: ConsumingDefinition, codec: EventCodec, log: Logger): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [type, handler] of Object.entries(def.handlers) as [EventType, EventHandler<EventType>][]) {
    const many = def.batchHandlers?.[type] as BatchEventHandler<EventType> | undefined;
    const typeLog = log.child({ eventType: type }); // once per route, not once per batch
    routes.set(codec.topicOf(type), {
      type,
      ...(many ? { handleMany: (tx, items) => many(items, { tx, log: typeLog }) } : {}),
      handle: (event: never, ctx: HandlerContext) => {
        const child = log.child({
          orderId: ctx.message.key,
          correlationId: ctx.metadata.correlationId,
          eventId: ctx.metadata.eventId,
          eventType: type,
        });
        return handler(event, { ...ctx, log: child });
      },
    });
  }
  return routes;
}

/** The record-at-a-time handler and the batch handler of the consumer runner. */
type ConsumingDefinition = Pick<ServiceDefinition<BaseConfig>, 'handlers' | 'batchHandlers'>;

/** Handler time is observed per event type, failed attempts included (a slow failure is still time spent). */
function dispatchers(
  def: ConsumingDefinition,
  processor: EventProcessor,
  codec: EventCodec,
  log: Logger,
  m: PlatformInstruments,
  groupId: string,
  afterCommit: () => void,
) {
  const routes = routesOf(def, codec, log);
  // A set-based route runs no per-record code, so no per-record span either; with tracing on, it gets them here.
  const traced = tracingEnabled();
  const single = new Map(
    [...routes].map(([topic, r]) => [topic, { type: r.type, handle: processor.on(r.type, r.handle as never) }]),
  );
  const batch = processor.batch((topic) => routes.get(topic));
  return {
    handler: async (message: InboundMessage) => {
      const route = single.get(message.topic);
      if (!route) throw new Error(`no handler for topic ${message.topic}`);
      const done = m.handlerSeconds.startTimer({ event_type: route.type, mode: 'single' });
      try {
        if ((await route.handle(message)) === 'duplicate') {
          log.info({ orderId: message.key, topic: message.topic, offset: message.offset }, 'duplicate event ignored');
        } else afterCommit();
      } finally {
        done();
      }
    },
    batchHandler: async (messages: InboundMessage[]) => {
      // A coalesced batch may hold several topics: each of its event types observes the batch once.
      const topics = [...new Set(messages.map((x) => x.topic))];
      const started = process.hrtime.bigint();
      try {
        const run = () => batch(messages);
        const spans = traced && topics.some((t) => routes.get(t)?.handleMany);
        const { duplicates } = await (spans ? withRecordSpans(messages, groupId, run) : run());
        if (duplicates) log.info({ topics, duplicates }, 'duplicate events ignored');
        afterCommit();
      } finally {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        for (const t of topics)
          m.handlerSeconds.observe({ event_type: routes.get(t)?.type ?? 'unknown', mode: 'batch' }, seconds);
      }
    },
  };
}
