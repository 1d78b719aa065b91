/**
 * Fixes to kafkajs 2.2.4 (its last release; the project is unmaintained), applied once when this package is loaded.
 * Each one checks the shape of what it replaces and leaves a kafkajs it does not recognise as it is.
 *
 * 1. Idle timer loop (tulios/kafkajs#1556; fixes proposed in #1667 and #1768, never released): every broker
 *    connection's request queue, after each response, schedules a check of its pending requests with
 *    `setTimeout(check, throttledUntil - now)`. Unthrottled, that delay is negative (a 1 ms timer), and the check
 *    schedules the next one whether or not anything is pending: a thousand timer callbacks a second per connection,
 *    for the life of the process. Measured on the idle platform (six services, the bench's load generator): about 36
 *    ms of CPU a second per service with the loop and 22 without it; the whole machine 0.30 cores busy, 0.22 without.
 *    The check is needed only while requests wait in the queue: a request that cannot be sent at once is queued by
 *    `push`, which schedules the check itself (10 ms, or the end of the broker's throttle), and each response checks
 *    the queue again. So with nothing pending, nothing is scheduled.
 *
 * 2. Record headers: the record decoder folds a record's headers with
 *    `reduce((obj, h) => ({ ...obj, [h.key]: obj[h.key] === undefined ? value : ... }), {})`. A header whose name is
 *    an Object.prototype member (`constructor`, `toString`, ...) finds the inherited member there and comes out as
 *    `[Function, value]`: the consumer runner then handed out the function's source text as the header's value
 *    (headers come from any upstream client, in any language). And every header copies all the earlier ones into a
 *    new object: a dozen objects and 78 property copies for the platform's dozen CloudEvents headers (the most
 *    expensive JavaScript line in a CPU profile of analytics at 300 orders/s; in a consume-only micro benchmark of
 *    100,000 such records the CPU per record moved within the run-to-run noise, 14-21 us either way). The replacement
 *    decodes the same fields in the same order and folds the headers into one object of own properties: a key's
 *    first value as is, a repeated key as the array of its values in order (as kafkajs does).
 *
 * 3. Encoder allocation: kafkajs encodes every produced record with an Encoder of its own, and every header of it
 *    with another, and each Encoder starts with `Buffer.alloc(512)`: zero-filled memory outside V8's heap, allocated
 *    and freed on its own (about 3.2 us here, against 0.3 for the same bytes from Node's buffer pool), and grows
 *    the same way. A record with the platform's eight CloudEvents headers took nine such buffers and a tenth to
 *    grow into (about 35 us of CPU per record, and memory outside the heap that makes V8 collect sooner). Nothing
 *    needs the zeros: an Encoder writes its bytes in order and hands out only those it wrote. The fix grows
 *    Encoders with `Buffer.allocUnsafe` (pooled below 4 KiB) and lets the constructor start them empty. And every
 *    variable-length integer (about thirty in such a record: its length, each header's key and value lengths) was
 *    an array and a Buffer of its own before it was copied in, 13 % of the bytes the no-op service allocated (V8's
 *    sampling heap profiler, collected objects included); the fix writes those bytes in place. The bytes encoded
 *    are the same.
 */

import { createRequire } from 'node:module';

/** kafkajs's own modules, resolved from the kafkajs this package imports. */
const kafkajsModule = (() => {
  const load = createRequire(require.resolve('kafkajs'));
  return { load, resolve: (id: string) => load.resolve(`kafkajs/src/${id}`) };
})();

interface RequestQueue {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const FIXED = Symbol.for('orderflow.kafkajs.fixed');

/** Fix 1 (see above); false when kafkajs's request queue has another shape. */
export function fixKafkajsIdleTimers(): boolean {
  let proto: RequestQueue & { [FIXED]?: true };
  try {
    proto = (kafkajsModule.load(kafkajsModule.resolve('network/requestQueue')) as { prototype: typeof proto })
      .prototype;
  } catch {
    return false;
  }
  if (proto[FIXED]) return true;
  const schedule = proto.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function' || schedule.length !== 0) return false;
  proto.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[FIXED] = true;
  return true;
}

/** kafkajs's byte reader, as far as the record decoder uses it. */
interface Decoder {
  readInt8(): number;
  readVarLong(): unknown;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (d: Decoder) => T): T[];
}
interface Long {
  add(other: unknown): Long;
  toString(): string;
}
interface BatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
}
type HeaderValue = Buffer | null | (Buffer | null)[];

/**
 * Sets a header on a plain object as an own property, whatever its name: assignment, except for `__proto__`, which
 * assignment would take for the object's prototype.
 */
export function setHeader<V>(headers: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__')
    Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
  else headers[key] = value;
}

/** Folds decoded headers into one object: repeated keys become arrays of their values, in order. */
export function foldHeaders(list: readonly { key: string; value: Buffer | null }[]): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  for (const { key, value } of list) {
    const prev = Object.prototype.hasOwnProperty.call(headers, key) ? headers[key] : undefined;
    setHeader(headers, key, prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]);
  }
  return headers;
}

/** Fix 2 (see above); false when the fetch path already holds the original decoder, or kafkajs has another shape. */
export function fixKafkajsHeaderFolding(): boolean {
  try {
    const recordPath = kafkajsModule.resolve('protocol/recordBatch/record/v0/decoder');
    // The batch decoder takes the record decoder when it is loaded (at the first fetch): too late once it is.
    if (require.cache[kafkajsModule.resolve('protocol/recordBatch/v0/decoder')]) {
      return (require.cache[recordPath]?.exports as { [FIXED]?: true } | undefined)?.[FIXED] === true;
    }
    const original = kafkajsModule.load(recordPath) as ((d: Decoder, c?: BatchContext) => unknown) & {
      [FIXED]?: true;
    };
    if (original[FIXED]) return true;
    if (typeof original !== 'function' || original.length !== 1) return false;
    const Long = kafkajsModule.load(kafkajsModule.resolve('utils/long')) as { fromValue(v: unknown): Long };
    const { LOG_APPEND_TIME } = kafkajsModule.load(kafkajsModule.resolve('protocol/timestampTypes')) as {
      LOG_APPEND_TIME: number;
    };
    const readHeader = kafkajsModule.load(kafkajsModule.resolve('protocol/recordBatch/header/v0/decoder')) as (
      d: Decoder,
    ) => { key: string; value: Buffer | null };
    const decodeRecord = (decoder: Decoder, batchContext: BatchContext = {}) => {
      const {
        firstOffset,
        firstTimestamp,
        magicByte,
        isControlBatch = false,
        timestampType,
        maxTimestamp,
      } = batchContext;
      const attributes = decoder.readInt8();
      const timestampDelta = decoder.readVarLong();
      const timestamp =
        timestampType === LOG_APPEND_TIME && maxTimestamp
          ? maxTimestamp
          : Long.fromValue(firstTimestamp).add(timestampDelta).toString();
      const offsetDelta = decoder.readVarInt();
      const offset = Long.fromValue(firstOffset).add(offsetDelta).toString();
      const key = decoder.readVarIntBytes();
      const value = decoder.readVarIntBytes();
      const headers = foldHeaders(decoder.readVarIntArray(readHeader));
      return {
        magicByte,
        attributes,
        timestamp,
        offset,
        key,
        value,
        headers,
        isControlRecord: isControlBatch,
        batchContext,
      };
    };
    (decodeRecord as typeof decodeRecord & { [FIXED]?: true })[FIXED] = true;
    require.cache[recordPath]!.exports = decodeRecord;
    return true;
  } catch {
    return false;
  }
}

/** kafkajs's byte writer, as far as fix 3 touches it. */
interface Encoder {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): Encoder;
}
interface EncoderClass {
  prototype: Encoder & { [FIXED]?: true };
  nextPowerOfTwo(value: number): number;
}

/**
 * An Encoder's first buffer: a header (a CloudEvents name and value) fits, so it is allocated once; a record grows
 * from it once (micro benchmark of a record with eight headers, encoded in batches of ten: 53-57 us per record as
 * kafkajs does it, 17-26 growing from nothing, 15-22 from 128 bytes).
 */
const FIRST_ENCODER_BYTES = 128;

/**
 * Fix 3 (see above); false when kafkajs's Encoder has another shape. Its constructor allocates
 * `Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))`, and ensureAvailable is the only other caller of
 * nextPowerOfTwo: ensureAvailable is replaced (it grows with allocUnsafe, to FIRST_ENCODER_BYTES first, then by the
 * same powers of two), and nextPowerOfTwo then answers only the constructor, with 0.
 */
export function fixKafkajsEncoderAllocation(): boolean {
  let Encoder: EncoderClass;
  try {
    Encoder = kafkajsModule.load(kafkajsModule.resolve('protocol/encoder')) as EncoderClass;
  } catch {
    return false;
  }
  const proto = Encoder.prototype;
  if (proto[FIXED]) return true;
  const nextPowerOfTwo = Encoder.nextPowerOfTwo;
  const source = Function.prototype.toString.call(Encoder);
  if (
    typeof nextPowerOfTwo !== 'function' ||
    typeof proto.ensureAvailable !== 'function' ||
    typeof proto.writeUVarInt !== 'function' ||
    !source.includes('this.buf = Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))') ||
    !source.includes('this.writeBufferInternal(Buffer.from(byteArray))') ||
    source.split('nextPowerOfTwo(').length !== 4 // its definition, the constructor, ensureAvailable
  )
    return false;
  proto.ensureAvailable = function (this: Encoder, length: number) {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(FIRST_ENCODER_BYTES, nextPowerOfTwo(needed)));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
  // kafkajs's own loop (LEB128 of the value's low 32 bits, at most 5 bytes), into the buffer instead of an array.
  proto.writeUVarInt = function (this: Encoder, value: number) {
    this.ensureAvailable(5);
    let v = value;
    while ((v & 0xffffff80) !== 0) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v & 0x7f;
    return this;
  };
  Encoder.nextPowerOfTwo = () => 0;
  proto[FIXED] = true;
  return true;
}

/** Applies every fix; which ones took. */
export function fixKafkajs(): { idleTimers: boolean; headerFolding: boolean; encoderAllocation: boolean } {
  return {
    idleTimers: fixKafkajsIdleTimers(),
    headerFolding: fixKafkajsHeaderFolding(),
    encoderAllocation: fixKafkajsEncoderAllocation(),
  };
}
