/**
 * A broker and a registry of the chaos run's own (same builds as the shared ones, their own ports, data and registry
 * database): the run restarts them, and other engineers' tests on 9092/8081 must never notice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, testEnv, uniqueId, waitFor } from '@orderflow/testing';

interface InfraModule {
  config: { dataDir: string };
  spawnKafka(o: { port: number; controllerPort: number; dir: string; name: string; heap: string }): number;
  spawnRegistry(o: { port: number; database: string; name: string }): Promise<number>;
  kafkaReady(name: string, port: number): Promise<boolean>;
  stop(name: string): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const infra = require('../../tools/infra') as InfraModule;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class OwnInfra {
  private readonly id = uniqueId();
  readonly kafkaName = `chaos-kafka-${this.id}`;
  readonly registryName = `chaos-registry-${this.id}`;
  readonly registryDatabase = `orderflow_registry_chaos_${this.id}`;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-chaos-'));
  kafkaPort = 0;
  private controllerPort = 0;
  registryPort = 0;

  get brokers(): string[] {
    return [`127.0.0.1:${this.kafkaPort}`];
  }

  get registryUrl(): string {
    return `http://127.0.0.1:${this.registryPort}/apis/ccompat/v7`;
  }

  async start(): Promise<void> {
    // infra.js keeps pid files there; a fresh checkout may not have it yet.
    fs.mkdirSync(infra.config.dataDir, { recursive: true });
    this.kafkaPort = await freePort();
    this.controllerPort = await freePort();
    this.registryPort = await freePort();
    await Promise.all([this.startKafka(), this.startRegistry()]);
  }

  /** Starts the broker on the same ports and data directory as before (a restart keeps every topic and offset). */
  async startKafka(): Promise<void> {
    const pid = infra.spawnKafka({
      port: this.kafkaPort,
      controllerPort: this.controllerPort,
      dir: this.dir,
      name: this.kafkaName,
      heap: '384m',
    });
    await waitFor(async () => alive(pid) && infra.kafkaReady(this.kafkaName, this.kafkaPort), {
      timeoutMs: 120000,
      intervalMs: 250,
      description: `chaos broker on ${this.kafkaPort}`,
    });
    if (!alive(pid)) throw new Error(`chaos broker exited while starting; see .logs/${this.kafkaName}.log`);
  }

  async startRegistry(): Promise<void> {
    const pid = await infra.spawnRegistry({
      port: this.registryPort,
      database: this.registryDatabase,
      name: this.registryName,
    });
    await waitFor(
      async () => {
        if (!alive(pid)) throw new Error(`chaos registry exited; see .logs/${this.registryName}.log`);
        const res = await fetch(`http://127.0.0.1:${this.registryPort}/health/ready`);
        return res.ok && ((await res.json()) as { status: string }).status === 'UP';
      },
      { timeoutMs: 120000, intervalMs: 500, description: `chaos registry on ${this.registryPort}` },
    );
  }

  /** SIGTERM (a controlled broker shutdown), then start again on the same data. */
  async restartKafka(): Promise<void> {
    await infra.stop(this.kafkaName);
    await this.startKafka();
  }

  async restartRegistry(): Promise<void> {
    await infra.stop(this.registryName);
    await this.startRegistry();
  }

  async stop(): Promise<void> {
    await Promise.all([infra.stop(this.kafkaName), infra.stop(this.registryName)]);
    fs.rmSync(this.dir, { recursive: true, force: true });
    const c = new Client({ connectionString: testEnv().adminDatabaseUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${this.registryDatabase}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  }
}
