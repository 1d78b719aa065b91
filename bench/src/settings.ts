/**
 * What one run of the suite does, from the environment. `BENCH_PROFILE=short` (npm run bench:short) changes only the
 * defaults: the same code runs, with sizes small enough for the test suite. Every figure is overridable.
 */
export interface Settings {
  profile: 'full' | 'short';
  /** Where the JSON document goes (a timestamped copy lands beside it for full runs). */
  out: string;
  /** Pipeline phases run this many times on one platform; headline figures report min/median/max. */
  repeat: number;
  partitions: number;
  skus: number;
  warmupS: number;
  warmupRate: number;
  pacedRates: number[];
  pacedS: number;
  sustainedRate: number;
  sustainedS: number;
  unlimitedOrders: number;
  /** Bound of each phase's wait for the end condition (lag 0, backlog 0); past it the phase reports what it saw. */
  drainTimeoutS: number;
  ceilings: {
    kafkaRecords: number;
    pgbenchS: number;
    pgbenchClients: number;
    noopEvents: number;
    /** The no-op service paced: events per second, seconds each way (alone, in bursts), records per burst. */
    noopPacedRate: number;
    noopPacedS: number;
    noopBurst: number;
    /** Seconds of the no-op service with nothing sent. */
    noopIdleS: number;
    relayEvents: number;
    relayPickupEvents: number;
    /** Round trips between two idle-waiting processes: back to back, and each after the paced interval. */
    wakeupTrips: number;
    wakeupIdleTrips: number;
  };
  writeReadme: boolean;
}

const FULL = {
  repeat: 1,
  // Long enough for V8 to optimise the services' hot paths: measured at 50 orders/s, 3,000 orders of warm-up instead
  // of 600 cut the services' CPU per order by a quarter and created → fulfilled p50 from about 200 to 115 ms.
  warmupS: 30,
  pacedRates: '100,500',
  pacedS: 25,
  sustainedRate: 1000,
  sustainedS: 60,
  unlimitedOrders: 20000,
  kafkaRecords: 100000,
  pgbenchS: 15,
  noopEvents: 20000,
  noopPacedS: 15,
  noopIdleS: 5,
  relayEvents: 20000,
  relayPickupEvents: 1000,
  wakeupTrips: 20000,
  wakeupIdleTrips: 300,
};

/** Small enough for the test suite on a loaded 2-core machine: the behaviour, not the speed, is what it checks. */
const SHORT: typeof FULL = {
  repeat: 1,
  warmupS: 2,
  pacedRates: '100',
  pacedS: 4,
  sustainedRate: 150,
  sustainedS: 4,
  unlimitedOrders: 400,
  kafkaRecords: 10000,
  pgbenchS: 2,
  noopEvents: 1000,
  noopPacedS: 2,
  noopIdleS: 1,
  relayEvents: 1000,
  relayPickupEvents: 100,
  wakeupTrips: 2000,
  wakeupIdleTrips: 50,
};

function num(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${key}=${raw}: expected a non-negative number`);
  return v;
}

function positive(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const v = num(env, key, fallback);
  if (v === 0) throw new Error(`${key}=0: expected a positive number`);
  return v;
}

/** Reads the settings once at start; an unusable value fails the run before anything starts. */
export function readSettings(env: NodeJS.ProcessEnv = process.env, resultsDir: string): Settings {
  const profile = env.BENCH_PROFILE === 'short' ? 'short' : 'full';
  const d = profile === 'short' ? SHORT : FULL;
  const rates = (env.BENCH_PACED_RATES ?? d.pacedRates).split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`BENCH_PACED_RATES: positive numbers`);
  return {
    profile,
    out: env.BENCH_OUT ?? `${resultsDir}/${profile === 'short' ? 'short' : 'latest'}.json`,
    repeat: Math.max(1, Math.floor(num(env, 'BENCH_REPEAT', d.repeat))),
    partitions: num(env, 'BENCH_PARTITIONS', 6),
    skus: 50,
    warmupS: num(env, 'BENCH_WARMUP_S', d.warmupS),
    warmupRate: num(env, 'BENCH_WARMUP_RATE', rates[0] ?? 100),
    pacedRates: rates,
    pacedS: num(env, 'BENCH_PACED_S', d.pacedS),
    sustainedRate: num(env, 'BENCH_SUSTAINED_RATE', d.sustainedRate),
    sustainedS: num(env, 'BENCH_SUSTAINED_S', d.sustainedS),
    unlimitedOrders: num(env, 'BENCH_UNLIMITED_ORDERS', d.unlimitedOrders),
    drainTimeoutS: num(env, 'BENCH_DRAIN_TIMEOUT_S', 600),
    ceilings: {
      kafkaRecords: num(env, 'BENCH_KAFKA_RECORDS', d.kafkaRecords),
      pgbenchS: num(env, 'BENCH_PGBENCH_S', d.pgbenchS),
      pgbenchClients: num(env, 'BENCH_PGBENCH_CLIENTS', 4),
      noopEvents: num(env, 'BENCH_NOOP_EVENTS', d.noopEvents),
      noopPacedRate: positive(env, 'BENCH_NOOP_PACED_RATE', 100),
      noopPacedS: num(env, 'BENCH_NOOP_PACED_S', d.noopPacedS),
      noopBurst: Math.max(1, Math.floor(positive(env, 'BENCH_NOOP_BURST', 10))),
      noopIdleS: num(env, 'BENCH_NOOP_IDLE_S', d.noopIdleS),
      relayEvents: num(env, 'BENCH_RELAY_EVENTS', d.relayEvents),
      relayPickupEvents: num(env, 'BENCH_RELAY_PICKUP_EVENTS', d.relayPickupEvents),
      wakeupTrips: positive(env, 'BENCH_WAKEUP_TRIPS', d.wakeupTrips),
      wakeupIdleTrips: positive(env, 'BENCH_WAKEUP_IDLE_TRIPS', d.wakeupIdleTrips),
    },
    writeReadme: env.BENCH_WRITE_README === '1',
  };
}
