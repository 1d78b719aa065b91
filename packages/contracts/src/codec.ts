import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import { MalformedMessageError, TransientError, UnknownSchemaError, ContractViolationError } from '@orderflow/errors';
import { catalog, schemaOf, subjectOf, topicSpec } from './catalog';
import type { EventMap, EventType } from './generated';

export interface CodecOptions {
  /** Confluent-compatible registry base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  registryUrl: string;
  /**
   * Register the local (latest) schema on first encode if the subject does not have it yet. Producers in a
   * deployment pipeline that registers schemas up front can turn this off.
   * @default true
   */
  autoRegister?: boolean;
  /**
   * Prefix of every topic (and so of every subject): isolated environments and tests share one cluster.
   * @default ''
   */
  topicPrefix?: string;
}

export interface Decoded<T> {
  event: T;
  /** Registry id of the schema the producer wrote with. */
  writerSchemaId: number;
}

const MAGIC_BYTE = 0;

/**
 * Encodes and decodes events in the Confluent wire format (magic byte, 4-byte schema id, Avro binary) through a
 * Confluent-compatible schema registry. Decoding always resolves the writer's schema into the consumer's reader
 * schema (the latest version this code was built with), so old records gain new fields' defaults and new records
 * lose fields the reader does not know. Parsed types and resolvers are cached per schema id.
 */
export class EventCodec {
  private readonly registry: SchemaRegistry;
  private readonly autoRegister: boolean;
  private readonly readerTypes = new Map<string, avro.Type>();
  private readonly writerTypes = new Map<number, Promise<avro.Type>>();
  private readonly resolvers = new Map<string, avro.Resolver | null>();
  private readonly ids = new Map<string, Promise<number>>();
  /** Where encodeWith writes an event before copying it out (it is synchronous: one event at a time). */
  private scratch = Buffer.allocUnsafe(16 * 1024);

  readonly topicPrefix: string;
  private readonly registryUrl: string;

  constructor(opts: CodecOptions) {
    this.registry = new SchemaRegistry({ host: opts.registryUrl, retry: { retries: 2 } });
    this.autoRegister = opts.autoRegister ?? true;
    this.topicPrefix = opts.topicPrefix ?? '';
    this.registryUrl = opts.registryUrl.replace(/\/+$/, '');
  }

  /** The (prefixed) topic of an event type. */
  topicOf(type: EventType): string {
    return `${this.topicPrefix}${topicSpec(type).topic}`;
  }

  /** The event type carried by a (prefixed) topic, or undefined. */
  typeOfTopic(topic: string): EventType | undefined {
    if (!topic.startsWith(this.topicPrefix)) return undefined;
    const bare = topic.slice(this.topicPrefix.length);
    return catalog.topics.find((t) => t.topic === bare)?.eventType;
  }

  /** Registers `schema` (default: the latest local version of `type`) under `<topic>-value`; returns its id. */
  async register(type: EventType, schema: object = schemaOf(type), subject = subjectOf(this.topicOf(type))) {
    await this.setCompatibility(subject);
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility: catalog.compatibility as never },
      );
      return id;
    } catch (err) {
      throw registryError(err, `registering ${subject}`);
    }
  }

  /** Id of the latest local schema of `type`, registering it when allowed and needed; cached. */
  schemaIdOf(type: EventType): Promise<number> {
    let id = this.ids.get(type);
    if (!id) {
      id = this.autoRegister ? this.register(type) : this.lookup(type);
      this.ids.set(type, id);
      id.catch(() => this.ids.delete(type));
    }
    return id;
  }

  /** Sets the subject's compatibility level (catalog: FULL_TRANSITIVE) before its first registration. */
  async setCompatibility(subject: string, level: string = catalog.compatibility): Promise<void> {
    const res = await fetch(`${this.registryUrl}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: level }),
    }).catch((err: unknown) => {
      throw new TransientError(`schema registry unreachable: ${(err as Error).message}`, 'REGISTRY_UNAVAILABLE', {
        cause: err,
      });
    });
    if (!res.ok)
      throw new TransientError(`setting compatibility of ${subject}: HTTP ${res.status}`, 'REGISTRY_UNAVAILABLE');
  }

  private async lookup(type: EventType): Promise<number> {
    const subject = subjectOf(this.topicOf(type));
    try {
      return await this.registry.getRegistryIdBySchema(subject, {
        type: SchemaType.AVRO,
        schema: JSON.stringify(schemaOf(type)),
      });
    } catch (err) {
      throw registryError(err, `looking up ${subject}`);
    }
  }

  /** Serialises an event of `type` with its latest schema. Throws ContractViolationError if it does not fit. */
  async encode<T extends EventType>(type: T, event: EventMap[T]): Promise<Buffer> {
    const id = await this.schemaIdOf(type);
    return this.encodeWith(id, this.readerType(type), event);
  }

  /** Serialises with an explicit schema id and type (tests of schema evolution, foreign producers' tooling). */
  encodeWith(schemaId: number, type: avro.Type, event: unknown): Buffer {
    const paths: string[] = [];
    if (!type.isValid(event, { errorHook: (p) => paths.push(p.join('.')) })) {
      throw new ContractViolationError(`event does not match ${type.name ?? 'schema'}: invalid ${paths.join(', ')}`);
    }
    // Written after the 5 header bytes of a scratch buffer (avsc's toBuffer would allocate a zero-filled buffer of
    // its own, outside V8's heap, and the wire form a second one), then copied out once: every byte is written.
    let end = type.encode(event, this.scratch, 5);
    if (end < 0) {
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
      end = type.encode(event, this.scratch, 5);
    }
    const out = Buffer.allocUnsafe(end);
    this.scratch.copy(out, 0, 0, end);
    out.writeUInt8(MAGIC_BYTE, 0);
    out.writeInt32BE(schemaId, 1);
    return out;
  }

  /**
   * Decodes wire-format bytes into the reader shape of `type` (latest local version, or `readerSchema`).
   * @throws MalformedMessageError for bytes that are not wire-format Avro, UnknownSchemaError for an id the registry
   *   does not have, ContractViolationError when the writer schema cannot resolve to the reader's, TransientError
   *   when the registry cannot be reached.
   */
  async decode<T extends EventType>(
    type: T,
    bytes: Buffer | null,
    readerSchema?: object,
  ): Promise<Decoded<EventMap[T]>> {
    if (!bytes || bytes.length < 6 || bytes.readUInt8(0) !== MAGIC_BYTE) {
      throw new MalformedMessageError(
        `not a Confluent wire-format record (${bytes ? `${bytes.length} bytes, first byte ${bytes[0]}` : 'null value'})`,
      );
    }
    const id = bytes.readInt32BE(1);
    const writer = await this.writerType(id);
    const reader = readerSchema ? this.parse(readerSchema) : this.readerType(type);
    const key = `${readerSchema ? JSON.stringify(readerSchema) : type}#${id}`;
    let resolver = this.resolvers.get(key);
    if (resolver === undefined) {
      try {
        resolver = reader.equals(writer) ? null : reader.createResolver(writer);
      } catch (err) {
        throw new ContractViolationError(`schema id ${id} cannot be read as ${type}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      this.resolvers.set(key, resolver);
    }
    try {
      const event = reader.fromBuffer(bytes.subarray(5), resolver ?? undefined) as EventMap[T];
      return { event, writerSchemaId: id };
    } catch (err) {
      throw new MalformedMessageError(`undecodable Avro body for schema id ${id}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** The registry's schema for `id` as an Avro type; cached (ids are immutable). */
  writerType(id: number): Promise<avro.Type> {
    let t = this.writerTypes.get(id);
    if (!t) {
      t = this.fetchWriterType(id);
      this.writerTypes.set(id, t);
      t.catch(() => this.writerTypes.delete(id));
    }
    return t;
  }

  private async fetchWriterType(id: number): Promise<avro.Type> {
    try {
      // The client parses with its own copy of avsc; re-parse with ours so resolvers work across types.
      const foreign = (await this.registry.getSchema(id)) as unknown as { schema(): object };
      return this.parse(foreign.schema());
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw new UnknownSchemaError(id, { cause: err });
      throw registryError(err, `fetching schema id ${id}`);
    }
  }

  private readerType(type: EventType): avro.Type {
    let t = this.readerTypes.get(type);
    if (!t) {
      t = this.parse(schemaOf(type));
      this.readerTypes.set(type, t);
    }
    return t;
  }

  private parse(schema: object): avro.Type {
    return avro.Type.forSchema(schema as avro.Schema);
  }
}

/** The registry client (mappersmith) reports a failed connection as status 400: that is no answer of the registry. */
const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|EAI_AGAIN|socket hang up/i;

function registryError(err: unknown, what: string): Error {
  const status = (err as { status?: number }).status;
  const msg = `schema registry ${what}: ${(err as Error).message ?? String(err)}`;
  if (status !== undefined && status >= 400 && status < 500 && !NETWORK_FAILURE.test(msg)) {
    return new ContractViolationError(msg, { cause: err });
  }
  return new TransientError(msg, 'REGISTRY_UNAVAILABLE', { cause: err });
}
