/** Minimal structured logger (pino-compatible) so this package does not depend on a logging library. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A record to publish. `value` is already serialised (Confluent wire format for events). */
export interface OutboundMessage {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

/** A consumed record with its coordinates; headers decoded as UTF-8 strings. */
export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

export interface KafkaSettings {
  /** Bootstrap brokers. @default ['127.0.0.1:9092'] */
  brokers: string[];
  /** Client id reported to the broker (shows in broker logs and quotas). */
  clientId: string;
  /** @default 10000 */
  connectionTimeoutMs?: number;
  logger?: Logger;
}
