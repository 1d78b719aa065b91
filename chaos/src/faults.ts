/**
 * The fault injector: at random moments of the stream, one of kill -9 of a worker, kill -9 of a relay, every
 * service database connection terminated, a broker restart, a registry restart. Faults run one after another (a
 * broker restart takes a while); each is recorded with its time so the checker can relate effects to it.
 */
import { Client } from 'pg';
import { SERVICES, type ServiceName } from '@orderflow/testing';
import type { Rng } from '@orderflow/upstream';
import type { Cluster, Role } from './cluster';
import type { OwnInfra } from './infra';

export const FAULT_KINDS = ['kill-worker', 'kill-relay', 'pg-terminate', 'broker-restart', 'registry-restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** service/role for kills, the number of connections for pg-terminate */
  target: string;
  service?: ServiceName;
  role?: Role;
  at: number;
  tookMs: number;
}

/**
 * The kinds of `n` faults: the first five cover every kind (with n >= 5), and longer runs weigh towards kills, the
 * most common failure. Shuffled, so the order differs per seed.
 */
const PATTERN: FaultKind[] = [
  'kill-worker',
  'kill-relay',
  'pg-terminate',
  'broker-restart',
  'registry-restart',
  'kill-worker',
  'kill-relay',
  'kill-worker',
  'pg-terminate',
  'kill-worker',
  'broker-restart',
  'kill-relay',
  'kill-worker',
  'pg-terminate',
  'kill-worker',
  'kill-relay',
];

function shuffle<T>(rng: Rng, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function planFaults(n: number, rng: Rng): FaultKind[] {
  return shuffle(
    rng,
    Array.from({ length: n }, (_, i) => PATTERN[i % PATTERN.length]!),
  );
}

export class FaultInjector {
  readonly faults: Fault[] = [];
  private readonly workerTargets: ServiceName[];

  constructor(
    private readonly cluster: Cluster,
    private readonly infra: OwnInfra,
    private readonly databaseUrl: string,
    private readonly databaseName: string,
    private readonly rng: Rng,
    private readonly log: (m: string) => void,
  ) {
    // Worker kills go round every service (shuffled), so a run of six or more kills each one's worker once.
    this.workerTargets = shuffle(rng, [...SERVICES]);
  }

  /** Injects `kinds` at random moments within [from, to] (epoch ms); resolves when the last one is over. */
  async run(kinds: FaultKind[], from: number, to: number): Promise<void> {
    const times = kinds.map(() => from + this.rng() * (to - from)).sort((a, b) => a - b);
    for (const [i, kind] of kinds.entries()) {
      const wait = times[i]! - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await this.inject(kind);
    }
  }

  private async inject(kind: FaultKind): Promise<void> {
    const at = Date.now();
    let target = '';
    let service: ServiceName | undefined;
    let role: Role | undefined;
    switch (kind) {
      case 'kill-worker':
      case 'kill-relay': {
        role = kind === 'kill-worker' ? 'worker' : 'relay';
        const kills = this.faults.filter((f) => f.kind === kind).length;
        service =
          role === 'worker'
            ? this.workerTargets[kills % this.workerTargets.length]!
            : SERVICES[Math.floor(this.rng() * SERVICES.length)]!;
        target = `${service}/${role}`;
        if (!(await this.cluster.kill(service, role))) target += ' (was not running)';
        break;
      }
      case 'pg-terminate':
        target = `${await this.terminateConnections()} connections`;
        break;
      case 'broker-restart':
        target = 'own broker';
        await this.infra.restartKafka();
        break;
      case 'registry-restart':
        target = 'own registry';
        await this.infra.restartRegistry();
        break;
    }
    const fault = { kind, target, service, role, at, tookMs: Date.now() - at };
    this.faults.push(fault);
    this.log(`fault ${this.faults.length}: ${kind} ${target} (${fault.tookMs} ms)`);
  }

  /**
   * pg_terminate_backend of every connection of a service role (`*_svc`) to the run's own database only: roles are
   * cluster-wide, and other tests' databases must not be touched.
   */
  private async terminateConnections(): Promise<number> {
    const c = new Client({ connectionString: this.databaseUrl });
    await c.connect();
    try {
      const r = await c.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = $1 AND usename LIKE '%\\_svc' AND pid <> pg_backend_pid()`,
        [this.databaseName],
      );
      return r.rows.filter((row: { ok: boolean }) => row.ok).length;
    } finally {
      await c.end();
    }
  }

  countByKind(): Record<FaultKind, number> {
    const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    for (const f of this.faults) counts[f.kind] += 1;
    return counts;
  }
}
