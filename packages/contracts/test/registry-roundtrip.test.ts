/**
 * Against the real broker and registry: every event type makes the full trip
 * register → produce → consume → decode, and schema evolution works in both directions.
 */
import * as avro from 'avsc';
import { EVENT_TYPES, EventCodec, schemaOf, type EventType } from '@orderflow/contracts';
import { ContractViolationError, MalformedMessageError, UnknownSchemaError } from '@orderflow/errors';
import { readTopic } from '@orderflow/messaging';
import { TestKafka, testEnv, uniquePrefix } from '@orderflow/testing';

const prefix = uniquePrefix('contracts');
const tk = new TestKafka(prefix);

beforeAll(() => tk.setup(1));
afterAll(() => tk.close());

describe('Confluent wire format through the registry', () => {
  it('round-trips a record of every event type through Kafka', async () => {
    const sent = new Map<EventType, unknown>();
    for (const type of EVENT_TYPES) {
      const event = avro.Type.forSchema(schemaOf(type) as avro.Schema).random() as unknown as { orderId: string };
      sent.set(type, event);
      await tk.publish(type, event as never);
    }
    for (const type of EVENT_TYPES) {
      const records = await readTopic(tk.kafka, tk.topic(type));
      expect(records).toHaveLength(1);
      const record = records[0]!;
      expect(record.value!.readUInt8(0)).toBe(0); // magic byte
      const fresh = new EventCodec({ registryUrl: testEnv().registryUrl, topicPrefix: prefix });
      const { event, writerSchemaId } = await fresh.decode(type, record.value);
      expect(writerSchemaId).toBe(record.value!.readInt32BE(1));
      expect(event).toEqual(sent.get(type));
      expect(record.key).toBe((sent.get(type) as { orderId: string }).orderId);
    }
  });

  it('events of every size are encoded byte for byte as avsc writes them, small after large too', async () => {
    const type = avro.Type.forSchema(schemaOf('order.created') as avro.Schema);
    let small: { lines: unknown[] };
    do small = type.random() as unknown as { lines: unknown[] };
    while (small.lines.length === 0);
    const large = { ...small, lines: Array.from({ length: 3000 }, (_, i) => small.lines[i % small.lines.length]) };
    const id = await tk.codec.schemaIdOf('order.created');
    const wire = (e: unknown) => {
      const head = Buffer.alloc(5);
      head.writeInt32BE(id, 1);
      return Buffer.concat([head, type.toBuffer(e)]);
    };
    for (const event of [small, large, small, large, small]) {
      Buffer.allocUnsafe(4000).fill(0xee); // the buffer pool full of other bytes
      const bytes = await tk.codec.encode('order.created', event as never);
      expect(bytes.equals(wire(event))).toBe(true);
      expect((await tk.codec.decode('order.created', bytes)).event).toEqual(event);
    }
    expect(wire(large).length).toBeGreaterThan(16 * 1024); // larger than the codec's first scratch buffer
  });

  it('sets FULL_TRANSITIVE on every subject it registers', async () => {
    await tk.codec.schemaIdOf('order.created');
    const res = await fetch(`${testEnv().registryUrl}/config/${encodeURIComponent(`${prefix}order.created-value`)}`);
    expect(await res.json()).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
  });

  it('registering the same schema twice yields the same id', async () => {
    const a = await tk.codec.register('order.validated');
    const b = await new EventCodec({ registryUrl: testEnv().registryUrl, topicPrefix: prefix }).register(
      'order.validated',
    );
    expect(b).toBe(a);
  });
});

describe('schema evolution (test-only v2 of order.fulfilled with an optional field)', () => {
  const v1 = schemaOf('order.fulfilled') as { fields: object[] };
  const v2 = {
    ...v1,
    fields: [
      ...v1.fields,
      { name: 'deliveryWindow', type: ['null', 'string'], default: null, doc: 'test-only v2 field' },
    ],
  };
  const type: EventType = 'order.fulfilled';
  const sample = () => ({ ...(avro.Type.forSchema(v1 as avro.Schema).random() as object), orderId: 'ord-evolve' });

  it('old records decode into the new shape with the default; new records decode into the old shape', async () => {
    const v1Id = await tk.codec.register(type);
    const v2Id = await tk.codec.register(type, v2);
    expect(v2Id).not.toBe(v1Id);

    const oldEvent = sample();
    const oldBytes = tk.codec.encodeWith(v1Id, avro.Type.forSchema(v1 as avro.Schema), oldEvent);
    const newEvent = { ...sample(), deliveryWindow: '09:00-12:00' };
    const newBytes = tk.codec.encodeWith(v2Id, avro.Type.forSchema(v2 as avro.Schema), newEvent);
    await tk.publishRaw(type, 'ord-evolve', oldBytes);
    await tk.publishRaw(type, 'ord-evolve', newBytes);

    const records = await readTopic(tk.kafka, tk.topic(type));
    const [oldRec, newRec] = records.slice(-2);
    const reader = new EventCodec({ registryUrl: testEnv().registryUrl, topicPrefix: prefix });

    const oldAsNew = await reader.decode(type, oldRec!.value, v2);
    expect(oldAsNew.event).toEqual({ ...oldEvent, deliveryWindow: null });
    const newAsOld = await reader.decode(type, newRec!.value); // reader: v1, the code's own schema
    expect(newAsOld.event).toEqual(
      Object.fromEntries(Object.entries(newEvent).filter(([k]) => k !== 'deliveryWindow')),
    );
  });

  it('the registry rejects an incompatible version of a subject', async () => {
    await tk.codec.register('payment.failed');
    const base = schemaOf('payment.failed') as { fields: object[] };
    const broken = { ...base, fields: [...base.fields, { name: 'mandatory', type: 'string', doc: 'no default' }] };
    await expect(tk.codec.register('payment.failed', broken)).rejects.toBeInstanceOf(ContractViolationError);
    await expect(tk.codec.register('payment.failed', broken)).rejects.toThrow(/409|ncompatible/);
  });
});

describe('decoding failures are typed', () => {
  it('bytes without the magic byte are malformed (not retriable)', async () => {
    const err = await tk.codec.decode('order.created', Buffer.from('{"orderId":"x"}')).catch((e) => e);
    expect(err).toBeInstanceOf(MalformedMessageError);
    expect(err.retriable).toBe(false);
  });

  it('an unknown schema id is reported as such (not retriable)', async () => {
    const bytes = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 3, 4]);
    const err = await tk.codec.decode('order.created', bytes).catch((e) => e);
    expect(err).toBeInstanceOf(UnknownSchemaError);
    expect(err.retriable).toBe(false);
  });

  it('a truncated Avro body is malformed', async () => {
    const id = await tk.codec.schemaIdOf('order.created');
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from([0x02, 0x40])]);
    bytes.writeInt32BE(id, 1);
    await expect(tk.codec.decode('order.created', bytes)).rejects.toBeInstanceOf(MalformedMessageError);
  });
});
