#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createPool, dbSchemaOf } from '@orderflow/service-kit';
import { readConfig } from './config';
import { replaySelection } from './rebuild/debug';
import { latestRebuild } from './rebuild/progress';
import { rebuild } from './rebuild/rebuild';
import { SERVICE_NAME } from './service';

const HELP = `analytics replay <command>   (configured by the service's environment: DATABASE_URL, TOPIC_PREFIX, ...)

Commands:
  rebuild              rebuild the read model from the topics beside the live one, switch to it when it has caught
                       up, print the diff between the two; the service keeps serving throughout
  status               the latest rebuild: progress, outcome, diff
  order <id>           replay one order from the topics into a scratch session and print its folded journey
  window --from T --to T
                       replay what happened in [from, to) (ISO times) and print its summary
`;

const out = (x: unknown) => process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);

/** A progress bar on stderr (a terminal redraws it in place; a log gets one line per update). */
function bar(done: number, total: number, note = ''): void {
  const f = total === 0 ? 1 : Math.min(1, done / total);
  const width = 30;
  const filled = Math.round(f * width);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(1)}% ${done}/${total} records${note}`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [cmd, arg] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const config = readConfig();
  if (cmd === 'rebuild') {
    const r = await rebuild(config, {
      onProgress: (p) => bar(p.consumed, p.target, p.error ? ` (retrying: ${p.error})` : ''),
    });
    process.stderr.write('\n');
    out({ switched: true, ...r });
    return r.diff.empty ? 0 : 3;
  }
  if (cmd === 'status') {
    const pool = createPool(
      config.DATABASE_URL,
      1,
      `${SERVICE_NAME}-replay`,
      config.DB_SCHEMA ?? dbSchemaOf(SERVICE_NAME),
    );
    try {
      out((await latestRebuild(pool)) ?? { rebuilds: 0 });
    } finally {
      await pool.end();
    }
    return 0;
  }
  if (cmd === 'order' && arg) {
    const r = await replaySelection(config, { orderId: arg });
    if (!r) {
      process.stderr.write(`no events of order ${arg} on the topics\n`);
      return 1;
    }
    out(r);
    return 0;
  }
  if (cmd === 'window' && values.from && values.to) {
    const [from, to] = [Date.parse(values.from), Date.parse(values.to)];
    if (Number.isNaN(from) || Number.isNaN(to) || from >= to) {
      process.stderr.write('window: --from and --to must be ISO times, from before to\n');
      return 2;
    }
    out(await replaySelection(config, { from, to }));
    return 0;
  }
  process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${HELP}`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`analytics replay: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
