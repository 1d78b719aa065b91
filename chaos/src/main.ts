/**
 * `npm run chaos`: the full run (1,000 orders, 16 faults by default). Settings from the environment:
 * CHAOS_ORDERS, CHAOS_FAULTS, CHAOS_RATE (orders/s), CHAOS_SEED, CHAOS_SETTLE_S. Exits 1 when a check fails.
 */
import { formatReport, runChaos } from './run';

function num(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

async function main(): Promise<void> {
  const report = await runChaos({
    orders: num('CHAOS_ORDERS', 1000),
    faults: num('CHAOS_FAULTS', 16),
    rate: num('CHAOS_RATE', 8),
    seed: process.env.CHAOS_SEED,
    settleTimeoutMs: num('CHAOS_SETTLE_S', 300) * 1000,
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos run failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
