/**
 * Worker and relay in one process (ROLE=all): a committed transaction wakes the relay in memory, with no NOTIFY
 * (which serialises committing transactions across the whole PostgreSQL cluster). With a one-minute polling
 * interval, only the in-memory wake can explain an event published within seconds; a LISTEN of our own on the
 * outbox channel shows that no NOTIFY was sent.
 */
import { Client } from 'pg';
import { notifyChannel } from '@orderflow/outbox';
import { runService } from '@orderflow/service-kit';
import { anOrder, componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { orderValidator } from '../src/service';

const c = componentTest('order-validator', (env) => runService(orderValidator(readConfig(env))), {
  env: { RELAY_POLL_MS: '60000' },
});
const { tk } = c;

it('publishes what a consumed record emitted promptly, without a NOTIFY, while its own relay leads', async () => {
  const listener = new Client({ connectionString: c.db.url });
  await listener.connect();
  let notified = 0;
  listener.on('notification', () => (notified += 1));
  try {
    await listener.query(`LISTEN ${notifyChannel('order_validator')}`);
    await waitFor(
      async () => {
        const { body } = await getJson(c.port, '/health/ready');
        return body.checks.find((k: { name: string }) => k.name === 'outbox-relay')?.detail.role === 'leader';
      },
      { description: 'the relay of this process to lead' },
    );
    for (let round = 0; round < 3; round++) {
      const order = anOrder();
      const started = Date.now();
      await tk.publish('order.created', order);
      await waitFor(async () => (await tk.events('order.validated')).some((e) => e.orderId === order.orderId), {
        timeoutMs: 10_000,
        intervalMs: 50,
        description: `order.validated of round ${round}`,
      });
      expect(Date.now() - started).toBeLessThan(10_000); // far below the 60 s poll
    }
    expect(notified).toBe(0);
  } finally {
    await listener.end();
  }
});
