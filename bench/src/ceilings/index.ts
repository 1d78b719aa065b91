/**
 * The ceilings, measured in the same run as the pipeline so that ratios compare like with like: the broker alone,
 * PostgreSQL alone (pgbench), the runtime with no-op handlers, the relay alone, and what the machine charges for a
 * system call and for waking a process.
 */
import { testEnv, TestKafka, uniquePrefix } from '@orderflow/testing';
import type { Settings } from '../settings';
import { kafkaCeiling, type KafkaCeiling } from './kafka-raw';
import { noopCeiling, type NoopCeiling } from './noop';
import { pgbenchCeiling, type PgbenchCeiling } from './pgbench';
import { eventSizes, sampleRecords } from './records';
import { relayCeiling, type RelayCeiling } from './relay';
import { wakeupCeiling, type WakeupCeiling } from './wakeup';

export interface Ceilings {
  /** Encoded value sizes of real events (bytes) and the headers' size: what the Kafka ceilings send. */
  record: { orderCreatedBytes: number; orderValidatedBytes: number; headerBytes: number };
  kafka: KafkaCeiling;
  pgbench: PgbenchCeiling;
  noop: NoopCeiling;
  relay: RelayCeiling;
  wakeup: WakeupCeiling;
}

export async function runCeilings(
  s: Settings,
  kafkaPid: number | undefined,
  logDir: string,
  log: (line: string) => void,
): Promise<Ceilings> {
  const tk = new TestKafka(uniquePrefix('bench-records'));
  const records = await sampleRecords(tk.codec, Math.max(s.ceilings.kafkaRecords, s.ceilings.relayEvents));
  const sizes = await eventSizes(tk.codec);
  await tk.close();
  const first = records[0]!;
  const headerBytes = Object.entries(first.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  const record = { orderCreatedBytes: sizes.orderCreated, orderValidatedBytes: sizes.orderValidated, headerBytes };
  log('ceilings: raw kafkajs produce and consume…');
  const kafka = await kafkaCeiling(
    testEnv().brokers,
    records.slice(0, s.ceilings.kafkaRecords),
    s.partitions,
    kafkaPid,
  );
  const cpu = kafka.cpuUsPerRecord;
  log(
    `  produce ${kafka.produceRecordsPerSecond}/s (${cpu.produceClient} + ${cpu.produceBroker ?? '?'} µs CPU/record), ` +
      `consume ${kafka.consumeRecordsPerSecond}/s (${cpu.consumeClient} + ${cpu.consumeBroker ?? '?'})`,
  );
  log('ceilings: pgbench, one handler transaction…');
  const pgbench = await pgbenchCeiling(first, s.ceilings.pgbenchClients, s.ceilings.pgbenchS);
  log(`  ${pgbench.tps} tx/s, ${pgbench.statementsPerTx} statements/tx`);
  log('ceilings: no-op service through the runtime…');
  const noop = await noopCeiling(s.ceilings, s.partitions, kafkaPid, logDir);
  const ms = (v: number) => (v * 1000).toFixed(2);
  log(`  ${noop.eventsPerSecond} events/s, ${ms(noop.cpuSecondsPerEvent.total)} ms CPU/event`);
  const p = noop.paced;
  log(`  paced ${p.rate}/s: ${ms(p.alone.total)} ms CPU/event alone, ${ms(p.bursts.total)} in bursts of ${p.burst}`);
  log('ceilings: outbox relay…');
  const relay = await relayCeiling(
    records.slice(0, s.ceilings.relayEvents),
    s.ceilings.relayPickupEvents,
    s.partitions,
  );
  log(`  ${relay.relayEventsPerSecond} events/s, pickup p99 ${relay.pickupMs.p99} ms`);
  log('ceilings: a system call, a round trip between two processes…');
  const wakeup = await wakeupCeiling(s.ceilings);
  log(
    `  ${wakeup.writeSyscallUs} µs/write, ${wakeup.roundTripCpuUs} / ${wakeup.roundTripAfterIdleCpuUs} µs CPU/round trip`,
  );
  return { record, kafka, pgbench, noop, relay, wakeup };
}
