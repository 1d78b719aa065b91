#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EventCodec } from '@orderflow/contracts';
import { ConfigError } from '@orderflow/errors';
import { createKafka, EventProducer, KafkaAdmin } from '@orderflow/messaging';
import { createRng, DEFAULT_MIX, generateOrder, ORDER_KINDS, parseMix, pickKind, type OrderKind } from './generate';
import { GENERATE_HELP, MAIN_HELP, PUBLISH_HELP } from './help';
import { parseOrdersFile, type OrderInput } from './order-input';
import { publishOrders, type PublishResult } from './publish';

/** Where the CLI writes and reads; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

const COMMON_OPTIONS = {
  brokers: { type: 'string' },
  registry: { type: 'string' },
  'topic-prefix': { type: 'string' },
  source: { type: 'string', default: 'demo-upstream' },
  rate: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

interface Connection {
  brokers: string[];
  registry: string;
  topicPrefix: string;
  source: string;
}

function connectionOf(v: { brokers?: string; registry?: string; 'topic-prefix'?: string; source: string }): Connection {
  const env = process.env;
  const brokers = (v.brokers ?? env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new ConfigError('--brokers: at least one broker is needed');
  return {
    brokers,
    registry: v.registry ?? env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    topicPrefix: v['topic-prefix'] ?? env.TOPIC_PREFIX ?? '',
    source: v.source,
  };
}

function numberOption(name: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= 0, not '${text}'`);
  }
  return n;
}

/**
 * Runs the CLI with `argv` (without node and script) and resolves to the exit code; never calls process.exit.
 * 0: everything published; 1: invalid input or failed orders; 2: usage error; 130: interrupted.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'publish') return await publishCommand(rest, io);
    if (command === 'generate') return await generateCommand(rest, io);
    if (command === 'help' || command === '--help' || command === '-h') {
      io.out(MAIN_HELP);
      return 0;
    }
    io.err(`${command === undefined ? 'missing command' : `unknown command '${command}'`}\n\n${MAIN_HELP}`);
    return 2;
  } catch (err) {
    const usage = err instanceof ConfigError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    io.err(`orderflow-upstream ${command}: ${(err as Error).message}`);
    if (usage) io.err(`Run 'orderflow-upstream ${command} --help' for usage.`);
    return usage ? 2 : 1;
  }
}

async function publishCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...COMMON_OPTIONS, file: { type: 'string', short: 'f' } },
  });
  if (values.help) return (io.out(PUBLISH_HELP), 0);
  if (values.file === undefined) throw new ConfigError('--file is required (a path, or - for stdin)');
  const connection = connectionOf(values);
  const rate = numberOption('rate', values.rate ?? '0', false);
  const label = values.file === '-' ? 'stdin' : values.file;
  const text = values.file === '-' ? await io.readStdin() : await readFile(values.file, 'utf8');
  const { orders, errors } = parseOrdersFile(text);
  for (const e of errors) io.err(`${label}:${e.line}: ${e.message}`);
  if (orders.length === 0) {
    io.out(`published 0, failed 0, invalid ${errors.length}, elapsed 0.00s, rate 0.0 orders/s (no valid orders)`);
    return errors.length > 0 ? 1 : 0;
  }
  const result = await publishWith(connection, rate, orders, orders.length, io);
  return finish(result, errors.length, io);
}

async function generateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...COMMON_OPTIONS,
      count: { type: 'string', default: '10' },
      mix: { type: 'string', default: DEFAULT_MIX },
      seed: { type: 'string' },
    },
  });
  if (values.help) return (io.out(GENERATE_HELP), 0);
  const connection = connectionOf(values);
  const count = numberOption('count', values.count, true);
  const rate = numberOption('rate', values.rate ?? '10', false);
  const mix = parseMix(values.mix);
  const seed = values.seed ?? randomUUID().slice(0, 8);
  const rng = createRng(seed);
  const tally = Object.fromEntries(ORDER_KINDS.map((k) => [k, 0])) as Record<OrderKind, number>;
  function* orders(): Generator<OrderInput> {
    for (let i = 0; i < count; i++) {
      const kind = pickKind(mix, rng);
      tally[kind]++;
      yield generateOrder(kind, rng);
    }
  }
  io.err(`generating ${count} order(s) at ${rate > 0 ? `${rate}/s` : 'full speed'} (seed ${seed}, mix ${values.mix})`);
  const result = await publishWith(connection, rate, orders(), count, io);
  io.out(
    `generated ${
      ORDER_KINDS.filter((k) => tally[k] > 0)
        .map((k) => `${k}=${tally[k]}`)
        .join(' ') || 'nothing'
    }`,
  );
  return finish(result, 0, io);
}

/** Connects, publishes and always disconnects; SIGINT/SIGTERM stop taking orders, flush the batch in hand and exit. */
async function publishWith(
  c: Connection,
  rate: number,
  orders: Iterable<OrderInput>,
  expected: number,
  io: CliIo,
): Promise<PublishResult> {
  const kafka = createKafka({ brokers: c.brokers, clientId: `orderflow-upstream-${c.source}` });
  const codec = new EventCodec({ registryUrl: c.registry, topicPrefix: c.topicPrefix });
  const topic = codec.topicOf('order.created');
  // Fail fast: with auto-creation off, a producer would retry a missing topic for a long time before giving up.
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  const topics = await admin.listTopics().finally(() => admin.disconnect());
  if (!topics.includes(topic)) {
    throw new Error(
      `topic ${topic} does not exist (the broker does not create topics); create the catalog's topics first`,
    );
  }

  const producer = new EventProducer(kafka);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      io.err(`${signal} again: exiting without flushing`);
      process.exit(130);
    }
    io.err(`${signal}: stopping after the current batch (again to exit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let lastProgress = Date.now();
  try {
    await producer.connect();
    return await publishOrders(orders, {
      codec,
      producer,
      source: c.source,
      rate,
      signal: stop.signal,
      onBatch: (p) => {
        if (Date.now() - lastProgress < 5000) return;
        lastProgress = Date.now();
        io.err(`... published ${p.published}/${expected}, failed ${p.failed}, ${p.rate.toFixed(1)} orders/s`);
      },
    });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await producer.disconnect();
  }
}

function finish(r: PublishResult, invalid: number, io: CliIo): number {
  for (const e of r.errors) io.err(`failed${e.orderId ? ` ${e.orderId}` : ''}: ${e.message}`);
  const parts = [`published ${r.published}`, `failed ${r.failed}`];
  if (invalid > 0) parts.push(`invalid ${invalid}`);
  parts.push(`elapsed ${(r.elapsedMs / 1000).toFixed(2)}s`, `rate ${r.rate.toFixed(1)} orders/s`);
  io.out(
    `${parts.join(', ')}${r.stopped === 'aborted' ? ' (interrupted)' : r.stopped === 'broken' ? ' (stopped on error)' : ''}`,
  );
  if (r.stopped === 'aborted') return 130;
  return r.failed > 0 || invalid > 0 || r.stopped === 'broken' ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`orderflow-upstream: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
