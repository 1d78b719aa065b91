/**
 * The chaos suite's short form (the full one is `npm run chaos`): 150 orders of every outcome while a worker and a
 * relay are killed -9, the service database connections are terminated and the run's own broker restarts; then
 * every check of the checker must hold (stages, once-only effects, one email per notification, stock, dead letters).
 */
import { formatReport, runChaos } from '../../chaos/src';

it('150 orders through four faults: every check holds', async () => {
  const report = await runChaos({
    orders: Number(process.env.CHAOS_ORDERS ?? 150),
    faults: Number(process.env.CHAOS_FAULTS ?? 4),
    rate: 5,
    settleTimeoutMs: 150000,
    log: () => undefined,
  });
  const text = formatReport(report);
  process.stdout.write(`${text}\n`);
  expect(report.faults.length).toBeGreaterThanOrEqual(4);
  expect(report.verdict.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
  expect(report.settledReason).toBeUndefined();
  expect(report.ok).toBe(true);
}, 420000);
