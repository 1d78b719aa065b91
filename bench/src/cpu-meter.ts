/**
 * CPU seconds and memory per process over one measured window, from /proc. Sampled every second in the background
 * so that a process which exits during the window (a pooled PostgreSQL connection closed after its idle timeout)
 * still counts up to its last sample, and one that starts during it counts from zero.
 */
import { cpuSeconds, machineBusySeconds, memMiB, postgresProcesses, wakeupsByThread } from './proc';

/** What a window cost, per process name, in CPU seconds; `machine` is every core's busy time, anyone's. */
export interface CpuWindow {
  seconds: Record<string, number>;
  machine: number;
  /** Wake-ups (voluntary context switches of every thread) per process name, as `seconds` is named. */
  wakeups: Record<string, number>;
  /** Resident set per named process during the window, MiB: the largest and the mean of the samples. */
  rss: Record<string, { max: number; mean: number }>;
}

interface Tracked {
  name: string;
  base: number;
  last: number;
  /** Wake-ups counted so far, and each thread's count at the last sample (a thread that ends keeps what it had). */
  wakeups: number;
  threads: Map<number, number>;
}

/** Name of PostgreSQL processes that serve other databases (other work on a shared machine): kept apart. */
export const POSTGRES_OTHER = 'postgresOtherDatabases';

/**
 * A PostgreSQL process's share: `postgres` for the backends of `database` and the server's own helpers (postmaster,
 * checkpointer, WAL writer: they work for every database), POSTGRES_OTHER for backends of other databases.
 */
function postgresShare(title: string, database: string | undefined): string {
  if (database && title.includes(` ${database} `)) return 'postgres';
  const backend = /: \S+ \S+ (\S+\(\d+\)|\[local\])/.test(title);
  return backend && database ? POSTGRES_OTHER : 'postgres';
}

export class CpuMeter {
  private readonly tracked = new Map<number, Tracked>();
  private readonly rss = new Map<string, number[]>();
  private machineBase = 0;
  private loadgenBase = process.cpuUsage();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param named processes measured by pid (the broker, the registry, each service)
   * @param database PostgreSQL database whose backends count as `postgres`; undefined counts every backend
   */
  constructor(
    private readonly named: Record<string, number | undefined>,
    private readonly database?: string,
  ) {}

  start(): void {
    this.tracked.clear();
    this.rss.clear();
    this.machineBase = machineBusySeconds();
    this.loadgenBase = process.cpuUsage();
    this.sample(false);
    this.timer = setInterval(() => this.sample(true), 1000);
    this.timer.unref();
  }

  /** Stops sampling and returns the window's figures. */
  stop(): CpuWindow {
    if (this.timer) clearInterval(this.timer);
    this.sample(true);
    const seconds: Record<string, number> = {};
    const woken: Record<string, number> = {};
    for (const t of this.tracked.values()) {
      seconds[t.name] = (seconds[t.name] ?? 0) + (t.last - t.base);
      woken[t.name] = (woken[t.name] ?? 0) + t.wakeups;
    }
    const u = process.cpuUsage(this.loadgenBase);
    seconds.loadgen = (u.user + u.system) / 1e6;
    const rss: CpuWindow['rss'] = {};
    for (const [name, v] of this.rss)
      rss[name] = { max: Math.max(...v), mean: Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10 };
    return { seconds, machine: machineBusySeconds() - this.machineBase, wakeups: woken, rss };
  }

  /** `born`: a process first seen now started inside the window, so all of its CPU time belongs to it. */
  private sample(born: boolean): void {
    for (const [name, pid] of Object.entries(this.named)) {
      if (pid === undefined) continue;
      this.track(pid, name, born);
      const m = memMiB(pid, 'VmRSS');
      if (m === undefined) continue;
      const samples = this.rss.get(name);
      if (samples) samples.push(m);
      else this.rss.set(name, [m]);
    }
    for (const p of postgresProcesses()) this.track(p.pid, postgresShare(p.title, this.database), born);
  }

  private track(pid: number, name: string, born: boolean): void {
    const v = cpuSeconds(pid);
    const threads = wakeupsByThread(pid);
    if (v === undefined || threads === undefined) return;
    const t = this.tracked.get(pid);
    if (!t) {
      // A process born in the window counts its threads from zero, as its CPU time.
      const wakeups = born ? [...threads.values()].reduce((a, b) => a + b, 0) : 0;
      this.tracked.set(pid, { name, base: born ? 0 : v, last: v, wakeups, threads });
      return;
    }
    t.last = v;
    // A thread first seen now started since the last sample (or in the window): all of its count is new.
    for (const [tid, n] of threads) t.wakeups += n - (t.threads.get(tid) ?? 0);
    t.threads = threads;
  }
}
