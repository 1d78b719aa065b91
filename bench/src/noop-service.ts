/**
 * A service that does nothing of its own, run by the real runtime (runService): it consumes order.created and emits
 * order.validated carrying the order, through everything a service pays for (decode, inbox, outbox, relay, encode,
 * kafkajs) and nothing else. The no-op ceiling runs it as a process of its own, to read its CPU from /proc.
 */
import path from 'node:path';
import { baseConfigSchema, loadConfig, runService, type ServiceDefinition } from '@orderflow/service-kit';

const config = loadConfig(baseConfigSchema);

const noop: ServiceDefinition<typeof config> = {
  name: 'bench-noop',
  config,
  // The outbox and inbox tables come with every schema; the service keeps nothing else.
  migrationsDir: path.join(__dirname, '..', 'migrations', 'noop'),
  handlers: {
    'order.created': async (order) => {
      const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = order;
      const forwarded = { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken };
      return [
        { type: 'order.validated', event: { orderId: order.orderId, order: forwarded, validatedAt: Date.now() } },
      ];
    },
  },
  routes: () => undefined,
};

runService(noop).catch((err: unknown) => {
  process.stderr.write(`bench-noop failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
