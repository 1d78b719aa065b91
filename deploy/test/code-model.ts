/**
 * What the code says, independently of the manifest generator: each service's config schema and defaults (its
 * src/config.ts) and the topics it really consumes (the handlers of its ServiceDefinition, through the codec's topic
 * naming), plus the catalog's partition counts. The deployment tests compare the manifests against these.
 */
import path from 'node:path';
import { catalog, EventCodec, type EventType } from '@orderflow/contracts';
import { SERVICES, type ServiceName } from '@orderflow/testing';
import type { ZodObject, ZodRawShape } from 'zod';

export const root = path.resolve(__dirname, '..', '..');

interface ConfigModule {
  configSchema: ZodObject<ZodRawShape>;
  readConfig(env: NodeJS.ProcessEnv): {
    HTTP_PORT: number;
    CONSUMER_GROUP?: string;
    TOPIC_PREFIX: string;
    DATABASE_URL: string;
  };
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export interface ServiceFacts {
  name: ServiceName;
  config: ConfigModule;
  defaultPort: number;
  /** The consumer group id the runtime uses with the given environment (service-kit: CONSUMER_GROUP or prefix+name). */
  groupId(env?: NodeJS.ProcessEnv): string;
  /** Topics the service subscribes to (no prefix). */
  topics: string[];
  /** The smallest partition count among those topics (catalog). */
  maxPartitions: number;
}

export function serviceFacts(): ServiceFacts[] {
  // Only for topic naming: topicOf needs no registry connection.
  const codec = new EventCodec({ registryUrl: 'http://127.0.0.1:1', topicPrefix: '' });
  return SERVICES.map((name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- each service's own modules, by path
    const config = require(path.join(root, 'services', name, 'src', 'config.ts')) as ConfigModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(root, 'services', name, 'src', 'service.ts')) as Record<string, unknown>;
    const factory = mod[camel(name)] as (c: unknown, x?: unknown) => { handlers: Record<string, unknown> };
    const defaults = config.readConfig({});
    const topics = Object.keys(factory(defaults).handlers).map((t) => codec.topicOf(t as EventType));
    const partitions = topics.map((t) => catalog.topics.find((c) => c.topic === t)?.partitions ?? 0);
    return {
      name,
      config,
      defaultPort: defaults.HTTP_PORT,
      groupId: (env = {}) => {
        const c = config.readConfig(env);
        return c.CONSUMER_GROUP ?? `${c.TOPIC_PREFIX}${name}`;
      },
      topics,
      maxPartitions: Math.min(...partitions),
    };
  });
}
