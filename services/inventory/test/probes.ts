/** What the batch tests look at: the service's HTTP reads, its consumer's counters, and every error its code threw. */
import type { EventMap, EventType } from '@orderflow/contracts';
import type { ServiceDefinition } from '@orderflow/service-kit';
import { getJson, waitFor, type Component } from '@orderflow/testing';
import type { Config } from '../src/config';

export const ADMIN_TOKEN = 'test-admin-token';

export function probes(c: Component) {
  const { tk } = c;
  /** Records the consumer has handled (duplicates and dead letters included). */
  const processed = async (): Promise<number> =>
    (await getJson(c.port, '/health/ready')).body.checks.find((x: { name: string }) => x.name === 'consumer').detail
      .processed;
  const eventsOf = async <T extends EventType>(type: T, orderIds: readonly string[]): Promise<EventMap[T][]> => {
    const ids = new Set(orderIds);
    return (await tk.events(type)).filter((e) => ids.has(e.orderId));
  };
  return {
    putStock: async (sku: string, onHand: number) => {
      const r = await getJson(c.port, `/stock/${encodeURIComponent(sku)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ onHand }),
      });
      expect(r.status).toBe(200);
    },
    stockOf: async (sku: string) => (await getJson(c.port, `/stock/${sku}`)).body,
    reservationOf: async (orderId: string) => {
      const r = await getJson(c.port, `/reservations/${orderId}`);
      return r.status === 404 ? undefined : r.body;
    },
    processed,
    /** Runs `publish`, then waits until the consumer handled `records` more records. */
    settle: async (records: number, publish: () => Promise<void>) => {
      const before = await processed();
      await publish();
      await waitFor(async () => (await processed()) >= before + records, {
        description: `${records} records handled`,
        timeoutMs: 60000,
      });
    },
    /** Transactions a handler of `type` ran in, by mode: 'batch' (set-based) or 'single' (one record). */
    handlerRuns: async (type: EventType, mode: 'batch' | 'single') => {
      const text = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('orderflow_handler_duration_seconds_count{') &&
            l.includes(`event_type="${type}"`) &&
            l.includes(`mode="${mode}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    },
    eventsOf,
    /** Waits until every one of these orders has an outcome on Kafka; returns the reserved and the rejected. */
    outcomesOf: (orderIds: readonly string[]) =>
      waitFor(
        async () => {
          const ok = await eventsOf('inventory.reserved', orderIds);
          const no = await eventsOf('inventory.rejected', orderIds);
          return ok.length + no.length >= orderIds.length && ([ok, no] as const);
        },
        { description: `${orderIds.length} outcomes`, timeoutMs: 60000 },
      ),
  };
}

/**
 * The service definition with every hook of inventory's (batch and record handlers) wrapped so that what
 * it throws is recorded: a batch that failed (a deadlock, say) shows here even though its fallback then succeeds.
 */
export function recordingErrors(def: ServiceDefinition<Config>): { def: ServiceDefinition<Config>; errors: Error[] } {
  const errors: Error[] = [];
  const wrap = <H extends Record<string, unknown>>(hooks: H | undefined): H | undefined =>
    hooks &&
    (Object.fromEntries(
      Object.entries(hooks).map(([type, fn]) => [
        type,
        async (...args: unknown[]) => {
          try {
            return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
          } catch (err) {
            errors.push(err as Error);
            throw err;
          }
        },
      ]),
    ) as H);
  return {
    def: {
      ...def,
      handlers: wrap(def.handlers)!,
      ...(def.batchHandlers ? { batchHandlers: wrap(def.batchHandlers)! } : {}),
    },
    errors,
  };
}
