/** The machine and the code a run measured, for the document's header (a figure means nothing without them). */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Client } from 'pg';
import { testEnv } from '@orderflow/testing';
import type { BenchDatabase, Transport } from '../database';
import { cmdline } from '../proc';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  kernel: string;
  postgres: string | null;
  /** How the services (and pgbench) reached PostgreSQL, and why that way. */
  postgresTransport: Transport;
  postgresTransportChosenBy: BenchDatabase['chosenBy'];
  kafka: string | null;
  /** 1-minute load average when the run started: other work on a shared machine shows here. */
  loadAverage: number;
}

export async function describeMachine(kafkaPid: number | undefined, database: BenchDatabase): Promise<Machine> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    postgres: await postgresVersion(),
    postgresTransport: database.transport,
    postgresTransportChosenBy: database.chosenBy,
    // tools/infra.js runs the broker from infra/.cache/kafka-<version>/libs.
    kafka: /kafka-(\d[\w.-]*?)\/libs/.exec(kafkaPid ? (cmdline(kafkaPid) ?? '') : '')?.[1] ?? null,
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function postgresVersion(): Promise<string | null> {
  const c = new Client({ connectionString: testEnv().adminDatabaseUrl });
  try {
    await c.connect();
    const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return r.rows[0]?.v.split(' ')[0] ?? null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The commit measured, and whether the working tree differed from it. */
export function gitState(repoRoot: string): { sha: string | null; dirty: boolean | null } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  try {
    return {
      sha: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--', '.', ':!bench/results').length > 0,
    };
  } catch {
    return { sha: null, dirty: null };
  }
}
