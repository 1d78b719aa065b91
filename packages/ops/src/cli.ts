#!/usr/bin/env node
import { parseArgs } from 'node:util';
import path from 'node:path';
import { dbSchemaOf, passwordFile, roleOf } from '@orderflow/service-kit';
import { catalogAcls, kafkaAclsCommands } from './acls';
import { bootstrapDatabases, SERVICES, setupTopicsAndSchemas } from './setup';
import { listDeadLetters, redrive } from './dlq';
import { listParkedRows, resolveParkedRow } from './outbox';

const HELP = `orderflow-ops <command> [options]

Commands:
  setup                 create every catalog topic (+ .dlq) and register every schema (FULL_TRANSITIVE); idempotent
  db-bootstrap          create each service's database role and schema (needs an admin connection), each role
                        with a password of its own: DATABASE_PASSWORD_<SCHEMA> if set (e.g. from a Kubernetes
                        Secret), else <secrets-dir>/<role>.password (created with a random one if missing)
  acls                  the Kafka ACLs the topic catalog implies (who produces, consumes, dead-letters what)
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
  --secrets-dir DIR     where role password files live [ORDERFLOW_SECRETS_DIR] (default .data/secrets)
  --format F            db-bootstrap: json (default) or k8s (a Secret per service with DATABASE_PASSWORD);
                        acls: json (default) or kafka-acls (kafka-acls.sh commands)
  --command-config FILE acls: --command-config passed to kafka-acls.sh (the admin's client properties)
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
      'secrets-dir': { type: 'string', default: process.env.ORDERFLOW_SECRETS_DIR ?? path.join('.data', 'secrets') },
      format: { type: 'string', default: 'json' },
      'command-config': { type: 'string' },
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
    const passwords = new Map<string, { password: string; from: string }>();
    const passwordOf = (schema: string) => {
      const fromEnv = process.env[`DATABASE_PASSWORD_${schema.toUpperCase()}`];
      const p = fromEnv
        ? { password: fromEnv, from: `DATABASE_PASSWORD_${schema.toUpperCase()}` }
        : (({ file, password }) => ({ password, from: file }))(passwordFile(values['secrets-dir'], roleOf(schema)));
      passwords.set(schema, p);
      return p.password;
    };
    const schemas = await bootstrapDatabases(values['database-url'], passwordOf);
    if (values.format === 'k8s') process.stdout.write(k8sSecrets(passwords));
    else print({ schemas: schemas.map((s) => ({ schema: s, role: roleOf(s), password: passwords.get(s)?.from })) });
    return 0;
  }
  if (cmd === 'acls') {
    const acls = catalogAcls(values['topic-prefix']);
    if (values.format === 'kafka-acls')
      process.stdout.write(`${kafkaAclsCommands(acls, values.brokers, values['command-config']).join('\n')}\n`);
    else print(acls);
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

/** One Secret per service (`<service>-db`, key DATABASE_PASSWORD), for `kubectl apply -f -`. */
function k8sSecrets(passwords: Map<string, { password: string }>): string {
  return SERVICES.map((service) => {
    const p = passwords.get(dbSchemaOf(service));
    return [
      'apiVersion: v1',
      'kind: Secret',
      `metadata:\n  name: ${service}-db`,
      'type: Opaque',
      `stringData:\n  DATABASE_PASSWORD: ${JSON.stringify(p?.password ?? '')}`,
    ].join('\n');
  })
    .map((doc) => `---\n${doc}\n`)
    .join('');
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
