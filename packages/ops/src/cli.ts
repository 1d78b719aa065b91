#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { bootstrapDatabases, setupTopicsAndSchemas } from './setup';
import { listDeadLetters, redrive } from './dlq';
import { listParkedRows, resolveParkedRow } from './outbox';

const HELP = `orderflow-ops <command> [options]

Commands:
  setup                 create every catalog topic (+ .dlq) and register every schema (FULL_TRANSITIVE); idempotent
  db-bootstrap          create each service's database role and schema (needs an admin connection)
  dlq list  --topic T   list the dead letters of topic T with their reasons
  dlq redrive --topic T [--key ORDER_ID]
                        send T's dead letters back to T (after fixing the cause); consumers are idempotent
  outbox list --service S
                        rows S's relay parked because the broker refused them for good (reason, rows held behind)
  stuck [--analytics URL] [--limit N]
                        orders waiting on a saga step past its deadline (analytics' STEP_DEADLINES), by step
  outbox retry|discard --service S --id N
                        put parked row N back in line (after fixing the cause) or give it up; held rows then flow

Options (environment in brackets):
  --brokers LIST        Kafka bootstrap brokers [KAFKA_BROKERS] (default 127.0.0.1:9092)
  --registry URL        Confluent-compatible registry [SCHEMA_REGISTRY_URL] (default http://127.0.0.1:8081/apis/ccompat/v7)
  --topic-prefix P      prefix of every topic [TOPIC_PREFIX] (default '')
  --service S           a service name (outbox)
  --analytics URL       analytics' HTTP address [ANALYTICS_URL] (default http://127.0.0.1:3006)
  --limit N             most orders listed (stuck; default 100)
  --id N                an outbox row id (outbox)
  --partitions N        override the catalog's partition count (setup)
  --database-url URL    admin connection for db-bootstrap [DATABASE_ADMIN_URL or DATABASE_URL]
  --password PW         password given to service roles [DATABASE_ROLE_PASSWORD] (default orderflow)
  -h, --help
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
      registry: { type: 'string', default: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' },
      'topic-prefix': { type: 'string', default: process.env.TOPIC_PREFIX ?? '' },
      partitions: { type: 'string' },
      topic: { type: 'string' },
      key: { type: 'string' },
      service: { type: 'string' },
      analytics: { type: 'string', default: process.env.ANALYTICS_URL ?? 'http://127.0.0.1:3006' },
      limit: { type: 'string', default: '100' },
      id: { type: 'string' },
      'database-url': {
        type: 'string',
        default:
          process.env.DATABASE_ADMIN_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow',
      },
      password: { type: 'string', default: process.env.DATABASE_ROLE_PASSWORD ?? 'orderflow' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const brokers = values.brokers.split(',');
  const [cmd, sub] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const print = (x: unknown) => process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);
  if (cmd === 'setup') {
    const r = await setupTopicsAndSchemas({
      brokers,
      registryUrl: values.registry,
      topicPrefix: values['topic-prefix'],
      ...(values.partitions ? { partitions: Number(values.partitions) } : {}),
    });
    print(r);
    return 0;
  }
  if (cmd === 'db-bootstrap') {
    print({ schemas: await bootstrapDatabases(values['database-url'], values.password) });
    return 0;
  }
  if (cmd === 'dlq' && (sub === 'list' || sub === 'redrive')) {
    if (!values.topic) {
      process.stderr.write('dlq: --topic is required\n');
      return 2;
    }
    const topic = `${values['topic-prefix']}${values.topic}`;
    if (sub === 'list') print(await listDeadLetters({ brokers, topic }));
    else print(await redrive({ brokers, topic, ...(values.key ? { key: values.key } : {}) }));
    return 0;
  }
  if (cmd === 'stuck') {
    const url = `${values.analytics.replace(/\/$/, '')}/orders/stuck?limit=${encodeURIComponent(values.limit)}`;
    const res = await fetch(url);
    const body = (await res.json()) as { orders?: { step: string }[] };
    if (!res.ok) throw new Error(`analytics answered ${res.status}: ${JSON.stringify(body)}`);
    const byStep: Record<string, number> = {};
    for (const o of body.orders ?? []) byStep[o.step] = (byStep[o.step] ?? 0) + 1;
    print({ byStep, ...body });
    return 0;
  }
  if (cmd === 'outbox' && (sub === 'list' || sub === 'retry' || sub === 'discard')) {
    if (!values.service || (sub !== 'list' && !values.id)) {
      process.stderr.write(`outbox ${sub}: --service${sub === 'list' ? '' : ' and --id'} required\n`);
      return 2;
    }
    const o = { databaseUrl: values['database-url'], service: values.service };
    print(sub === 'list' ? await listParkedRows(o) : await resolveParkedRow({ ...o, id: values.id!, action: sub }));
    return 0;
  }
  process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${HELP}`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`orderflow-ops: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
