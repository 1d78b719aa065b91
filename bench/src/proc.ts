/**
 * Linux /proc readings: CPU time and memory of a process, the machine's busy CPU time, PostgreSQL's processes, and
 * where the broker and registry run. Each reader returns undefined for a process that is gone (it may exit between
 * a directory listing and the read).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Clock ticks per second of utime/stime (USER_HZ): 100 on every mainstream Linux, asked once anyway. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used (user + system); `children` adds what its reaped children used. */
export function cpuSeconds(pid: number, children = false): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / CLK_TCK;
}

/**
 * Times each thread of a process went to sleep waiting (voluntary context switches, from
 * /proc/<pid>/task/<tid>/status), by thread id: each is a wake-up to come, the unit the machine charges for when work
 * arrives one piece at a time.
 */
export function wakeupsByThread(pid: number): Map<number, number> | undefined {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const out = new Map<number, number>();
  for (const t of tasks) {
    const n = Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(read(`/proc/${pid}/task/${t}/status`) ?? '')?.[1]);
    if (Number.isFinite(n)) out.set(Number(t), n);
  }
  return out;
}

/** A memory figure of /proc/<pid>/status in MiB: VmRSS (now) or VmHWM (peak resident set). */
export function memMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | undefined {
  if (!pid) return undefined;
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(read(`/proc/${pid}/status`) ?? '')?.[1]);
  return Number.isFinite(kb) && kb > 0 ? Math.round((kb / 1024) * 10) / 10 : undefined;
}

/** Busy CPU seconds of the whole machine (every core; idle and iowait excluded), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is work.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

function pids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The command line of a process as one string (a PostgreSQL backend shows its title there: role, database, state). */
export function cmdline(pid: number): string | undefined {
  return read(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ').trim();
}

/** Every PostgreSQL server process on this machine (the postmaster, its helpers and every backend), with its title. */
export function postgresProcesses(): { pid: number; title: string }[] {
  const out: { pid: number; title: string }[] = [];
  for (const pid of pids()) {
    if (read(`/proc/${pid}/comm`)?.trim() !== 'postgres') continue;
    const title = cmdline(pid);
    if (title !== undefined) out.push({ pid, title });
  }
  return out;
}

/** A live process id from a pid file, or the first process whose command line matches `pattern`. */
export function findProcess(pidFile: string, pattern: RegExp): number | undefined {
  const fromFile = Number(read(pidFile)?.trim());
  if (fromFile > 0 && cpuSeconds(fromFile) !== undefined) return fromFile;
  return pids().find((pid) => pid !== process.pid && pattern.test(cmdline(pid) ?? ''));
}

/**
 * The broker's and the registry's process ids: from tools/infra.js's pid files (INFRA_DATA_DIR, as infra.js reads
 * it, or <repo>/.data), else by command line. Undefined when they run elsewhere (containers, another host).
 */
export function infraPids(repoRoot: string): { kafka?: number; registry?: number } {
  const dataDir = path.resolve(repoRoot, process.env.INFRA_DATA_DIR || '.data');
  const kafka = findProcess(path.join(dataDir, 'kafka.pid'), /\bkafka\.Kafka\b/);
  const registry = findProcess(path.join(dataDir, 'registry.pid'), /apicurio-registry/);
  return { ...(kafka ? { kafka } : {}), ...(registry ? { registry } : {}) };
}
