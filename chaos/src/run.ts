/**
 * One chaos run: own broker and registry, a fresh database, an SMTP sink, twelve service processes; a paced stream
 * of orders with every outcome while faults are injected; then wait for the platform to settle and check it.
 */
import path from 'node:path';
import { Client } from 'pg';
import { bootstrapDatabases } from '@orderflow/ops';
import { createTestDatabase, rolePassword, startSmtpSink, TestKafka, uniqueId, uniquePrefix } from '@orderflow/testing';
import { createRng, DEMO_STOCK } from '@orderflow/upstream';
import { check, settled, type Verdict } from './check';
import { Cluster, type Crash } from './cluster';
import { FaultInjector, planFaults, type Fault, type FaultKind } from './faults';
import { OwnInfra } from './infra';
import { generateStream, publishStream } from './stream';

export interface ChaosOptions {
  orders: number;
  faults: number;
  /** Orders published per second. */
  rate: number;
  seed?: string;
  /** How long the platform may take to come to rest after the stream and the last fault. */
  settleTimeoutMs?: number;
  /** How long a claimed notification stays reserved for its claimer (NOTIFY_CLAIM_MS): the wait after a kill. */
  notifyClaimMs?: number;
  log?: (m: string) => void;
}

export interface ChaosReport {
  ok: boolean;
  seed: string;
  orders: number;
  variants: Record<string, number>;
  faults: Fault[];
  faultsByKind: Record<FaultKind, number>;
  publishRetries: number;
  restarts: { process: string; starts: number; unexpectedExits: number }[];
  /** Processes that went down by themselves while running (each one also fails a check). */
  crashes: Crash[];
  failedStarts: number;
  streamMs: number;
  /** From the end of the stream and of the last fault until every order, mail and outbox row was at rest. */
  settleMs: number;
  settledReason?: string;
  verdict: Verdict;
  logDir: string;
}

const root = path.resolve(__dirname, '..', '..');
const MAIL_DOMAIN = 'orderflow.local';

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((m: string) => process.stdout.write(`[chaos] ${m}\n`));
  const seed = o.seed ?? uniqueId();
  const prefix = uniquePrefix('chaos');
  const logDir = path.join(root, '.logs', 'chaos', prefix.replace(/\.$/, ''));
  const infra = new OwnInfra();
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let tk: TestKafka | undefined;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>> | undefined;
  let cluster: Cluster | undefined;
  let admin: Client | undefined;
  const cleanUp = async () => {
    await admin?.end().catch(() => undefined);
    await cluster?.stop();
    await smtp?.close();
    await tk?.close().catch(() => undefined);
    await infra.stop().catch((e: Error) => log(`stopping the own infrastructure: ${e.message}`));
    await db?.drop().catch(() => undefined);
  };
  // Interrupted (Ctrl-C, a CI timeout): the broker and the registry run detached, so stop them before leaving.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the run`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`seed ${seed}, ${o.orders} orders at ${o.rate}/s, ${o.faults} faults; logs in ${logDir}`);
    const started = Date.now();
    [db] = await Promise.all([createTestDatabase('chaos'), infra.start()]);
    await bootstrapDatabases(db.url, (schema) => rolePassword(schema).password);
    tk = new TestKafka(prefix, infra.brokers, infra.registryUrl);
    await tk.setup(3);
    smtp = await startSmtpSink();
    cluster = new Cluster({
      databaseUrl: db.url,
      brokers: infra.brokers,
      registryUrl: infra.registryUrl,
      prefix,
      smtpPort: smtp.port,
      logDir,
      env: { NOTIFY_CLAIM_MS: String(o.notifyClaimMs ?? 15000), MAIL_FROM: `Orderflow <orders@${MAIL_DOMAIN}>` },
    });
    await cluster.start();
    for (const [sku, units] of Object.entries(DEMO_STOCK)) await cluster.setStock(sku, units);
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    log(`platform up in ${Date.now() - started} ms (own broker :${infra.kafkaPort}, registry :${infra.registryPort})`);

    const rng = createRng(seed);
    const orders = generateStream(o.orders, seed);
    const injector = new FaultInjector(cluster, infra, db.url, db.name, rng, log);
    const streamStart = Date.now();
    const streamMs = (o.orders * 1000) / o.rate;
    const [published] = await Promise.all([
      publishStream(tk, orders, o.rate, log),
      injector.run(planFaults(o.faults, rng), streamStart + 0.1 * streamMs, streamStart + 0.9 * streamMs),
    ]);
    const calm = Date.now();
    log(`stream and faults over after ${calm - streamStart} ms; waiting for the platform to settle`);

    let reason: string | undefined = 'not checked';
    const deadline = calm + (o.settleTimeoutMs ?? 300000);
    let lastLog = 0;
    while (Date.now() < deadline) {
      reason = (await cluster.allReady())
        ? await settled(admin, cluster, orders).catch((e: Error) => e.message)
        : 'processes starting';
      if (!reason) break;
      if (Date.now() - lastLog > 15000) {
        log(`not settled yet: ${reason}`);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    const settleMs = Date.now() - calm;
    const verdict = await check({
      db: admin,
      cluster,
      tk,
      orders,
      mails: smtp.mails,
      faults: injector.faults,
      crashes: cluster.crashes,
      initialStock: DEMO_STOCK,
      mailDomain: MAIL_DOMAIN,
    });
    // A fault may take a process down only by the injector's hand: one that dies of a dropped connection or a
    // broker restart is a robustness bug, even if the supervisor hides it by restarting the process.
    verdict.checks.push({
      name: 'no process crashed by itself',
      ok: cluster.crashes.length === 0,
      detail: cluster.crashes.map((c) => `${c.process}: ${c.reason}`).join('; ') || 'ok',
    });
    const variants: Record<string, number> = {};
    for (const x of orders) variants[x.variant] = (variants[x.variant] ?? 0) + 1;
    return {
      ok: !reason && verdict.checks.every((c) => c.ok),
      seed,
      orders: orders.length,
      variants,
      faults: injector.faults,
      faultsByKind: injector.countByKind(),
      publishRetries: published.retries,
      restarts: cluster.stats(),
      crashes: cluster.crashes,
      failedStarts: cluster.failedStarts,
      streamMs: calm - streamStart,
      settleMs,
      settledReason: reason,
      verdict,
      logDir,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}

/** The run's figures, as printed by `npm run chaos`. */
export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  const t0 = r.faults[0]?.at ?? 0;
  lines.push(`chaos run (seed ${r.seed}): ${r.ok ? 'PASSED' : 'FAILED'}`);
  lines.push(
    `orders: ${r.orders} (${Object.entries(r.variants)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  lines.push(
    `stages: ${Object.entries(r.verdict.stages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(
    `faults: ${r.faults.length} (${Object.entries(r.faultsByKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  for (const f of r.faults)
    lines.push(`  +${((f.at - t0) / 1000).toFixed(1)} s ${f.kind} ${f.target} (${f.tookMs} ms)`);
  const restarts = r.restarts.filter((p) => p.starts > 1);
  lines.push(
    `process restarts: ${restarts.map((p) => `${p.process} ${p.starts - 1}${p.unexpectedExits ? ` (${p.unexpectedExits} exited by themselves)` : ''}`).join(', ') || 'none'}`,
  );
  lines.push(`failed starts (retried by the supervisor): ${r.failedStarts}; crashes: ${r.crashes.length}`);
  for (const c of r.crashes) lines.push(`  +${((c.at - t0) / 1000).toFixed(1)} s ${c.process}: ${c.reason}`);
  lines.push(`publish retries (broker away): ${r.publishRetries}`);
  const inside = r.verdict.duplicates.filter((d) => d.attributedTo);
  const outside = r.verdict.duplicates.filter((d) => !d.attributedTo);
  lines.push(
    `emails: ${r.verdict.mails}; duplicate deliveries: ${inside.length} inside the crash-at-SMTP window, ${outside.length} outside`,
  );
  for (const d of r.verdict.duplicates)
    lines.push(
      `  ${d.orderId} ${d.messageId} ×${d.copies}, again after ${d.againAt - d.firstAt} ms: ${d.attributedTo ?? 'NOT EXPLAINED'}`,
    );
  lines.push(
    `stream: ${(r.streamMs / 1000).toFixed(1)} s; time to settle: ${(r.settleMs / 1000).toFixed(1)} s${r.settledReason ? ` (NOT settled: ${r.settledReason})` : ''}`,
  );
  for (const c of r.verdict.checks) lines.push(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail}`}`);
  lines.push(`logs: ${r.logDir}`);
  return lines.join('\n');
}
