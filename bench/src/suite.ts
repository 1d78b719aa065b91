/**
 * `npm run bench`: in one run on this machine, the ceilings (raw kafkajs, pgbench, the no-op runtime, the relay),
 * then the real pipeline paced, sustained and unlimited. Prints a table on stdout (progress on stderr) and writes
 * one JSON document (bench/results/latest.json; `npm run bench:short`: short.json). Settings: see settings.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCeilings } from './ceilings';
import { benchDatabase } from './database';
import { runPipeline } from './pipeline/run';
import { infraPids } from './proc';
import { buildDocument, type BenchDocument } from './report/document';
import { describeMachine, gitState } from './report/machine';
import { renderTable } from './report/table';
import { readSettings } from './settings';

const repoRoot = path.resolve(__dirname, '..', '..');
const resultsDir = path.join(repoRoot, 'bench', 'results');
const t0 = Date.now();
/** Progress on stderr, with the seconds since the start: where a run spends its time. */
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

async function main(): Promise<void> {
  const settings = readSettings(process.env, resultsDir);
  // Before anything connects: the services, pgbench and the bench's own clients all read DATABASE_URL.
  const database = benchDatabase(process.env);
  process.env.DATABASE_URL = database.url;
  log(`database: PostgreSQL over ${database.transport} (${database.chosenBy})`);
  const startedAt = new Date();
  const infra = infraPids(repoRoot);
  const machine = await describeMachine(infra.kafka, database);
  const ceilings = await runCeilings(settings, infra.kafka, path.join(repoRoot, '.logs', 'bench'), log);
  log('pipeline: starting the platform…');
  const pipeline = await runPipeline(settings, infra, log);
  const notes = [
    ...notesOf(infra, pipeline.settings.databasePgStatStatements, machine.loadAverage, machine.cpus),
    ...pipeline.notes,
  ];
  const doc = buildDocument({
    settings,
    machine,
    git: gitState(repoRoot),
    startedAt,
    ceilings,
    runs: pipeline.runs,
    notes,
  });
  write(doc, settings.out, settings.profile === 'full');
  process.stdout.write(renderTable(doc));
  log(`written: ${settings.out}; service logs: ${pipeline.settings.logDir}`);
  if (settings.writeReadme)
    execFileSync(process.execPath, [path.join(repoRoot, 'tools', 'gen-bench-doc.js'), settings.out], {
      stdio: 'inherit',
    });
}

/** What a reader of the figures must know about how they were taken. */
function notesOf(infra: { kafka?: number; registry?: number }, statements: boolean, load: number, cpus: number) {
  const notes: string[] = [];
  if (!infra.kafka) notes.push('broker process not found (not local?): its CPU is not measured');
  if (!infra.registry) notes.push('registry process not found (not local?): its CPU is not measured');
  if (!statements) notes.push('pg_stat_statements is not loaded (shared_preload_libraries): no statement counts');
  if (load > cpus / 2)
    notes.push(
      `load average ${load} on ${cpus} CPUs at the start: other work shares the machine (see cpuSeconds.machine)`,
    );
  return notes;
}

function write(doc: BenchDocument, out: string, keepCopy: boolean): void {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  fs.writeFileSync(out, text);
  if (keepCopy) fs.writeFileSync(path.join(path.dirname(out), `${doc.startedAt.replace(/[:.]/g, '-')}.json`), text);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
