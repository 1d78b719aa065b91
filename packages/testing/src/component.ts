import type { RunningService } from '@orderflow/service-kit';
import { createTestDatabase, uniquePrefix } from './env';
import { TestKafka } from './kafka';
import { serviceEnv } from './service';

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

export interface ComponentOptions {
  /** Partitions per topic. @default TestKafka's default */
  partitions?: number;
  /** Environment for the service on top of serviceEnv's (ports, tokens, simulator knobs). */
  env?: Record<string, string>;
}

/** Starts the service from its environment; what it opens besides the service is closed with `c.onTearDown`. */
export type StartComponent = (env: NodeJS.ProcessEnv, c: Component) => Promise<RunningService>;

/**
 * One service running in-process for the tests of one file, against the real Kafka, registry and PostgreSQL: a topic
 * prefix of its own (topics created and schemas registered), a database of its own (the service bootstraps its
 * role and schema in it), and the service itself. Use `componentTest`, which wires set-up and tear-down to the file.
 */
export class Component {
  readonly prefix: string;
  readonly tk: TestKafka;
  private database: TestDatabase | undefined;
  private serviceEnv: NodeJS.ProcessEnv | undefined;
  private running: RunningService | undefined;
  private readonly closers: (() => Promise<unknown> | unknown)[] = [];

  constructor(
    readonly service: string,
    private readonly start: StartComponent,
    private readonly o: ComponentOptions = {},
  ) {
    this.prefix = uniquePrefix(service);
    this.tk = new TestKafka(this.prefix);
  }

  get db(): TestDatabase {
    return required(this.database, 'database');
  }

  get env(): NodeJS.ProcessEnv {
    return required(this.serviceEnv, 'environment');
  }

  get svc(): RunningService {
    return required(this.running, 'service');
  }

  /** The service's HTTP port. */
  get port(): number {
    return this.svc.port;
  }

  /** Registers something to close after the service stopped (a mailer, a provider, an SMTP sink, a client). */
  onTearDown(close: () => Promise<unknown> | unknown): void {
    this.closers.push(close);
  }

  async setUp(): Promise<void> {
    await this.tk.setup(this.o.partitions);
    this.database = await createTestDatabase(this.service);
    this.serviceEnv = serviceEnv(this.service, { prefix: this.prefix, databaseUrl: this.database.url }, this.o.env);
    this.running = await this.start(this.serviceEnv, this);
  }

  /** Stops the service (as SIGTERM would); `startAgain` brings it back on the same database and topics. */
  async stopService(): Promise<void> {
    await this.running?.stop();
  }

  async startAgain(): Promise<void> {
    this.running = await this.start(this.env, this);
  }

  async tearDown(): Promise<void> {
    await this.running?.stop();
    for (const close of this.closers.reverse()) await close();
    await this.tk.close();
    await this.database?.drop();
  }
}

/** A Component whose set-up runs in the file's beforeAll and whose tear-down runs in its afterAll. */
export function componentTest(service: string, start: StartComponent, o: ComponentOptions = {}): Component {
  const c = new Component(service, start, o);
  beforeAll(() => c.setUp(), 120000);
  afterAll(() => c.tearDown(), 60000);
  return c;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the component's ${what} is not there yet: use it inside a test`);
  return value;
}
