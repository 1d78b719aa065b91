/**
 * Stuck orders, against the real broker and PostgreSQL: an order waiting on a saga step past that step's deadline is
 * STUCK with the step, in its timeline, in GET /orders/stuck, in /metrics and in `orderflow-ops stuck`; an order
 * that moves on or ends is not.
 */
import { main as ops } from '@orderflow/ops';
import { runService } from '@orderflow/service-kit';
import { componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { analytics } from '../src/service';
import { happyJourney, type Published } from './journeys';

const c = componentTest('analytics', (env) => runService(analytics(readConfig(env))), {
  env: { STEP_DEADLINES: 'validation=8000,payment=2000', STUCK_CHECK_MS: '200' },
});
const { tk } = c;

const publish = async (events: Published[]) => {
  for (const { type, event } of events) await tk.publish(type, event as never);
};
const timeline = async (id: string) => (await getJson(c.port, `/orders/${id}/timeline`)).body;

it('marks an order STUCK at the step it waits on past its deadline, until it moves on', async () => {
  const t0 = Date.now() - 60_000;
  const atPayment = happyJourney(t0); // events: created, validated, reserved, paid, fulfilled, notified
  const done = happyJourney(t0);
  const fresh = happyJourney(Date.now());
  await publish([...atPayment.events.slice(0, 3), ...done.events, fresh.events[0]!]);
  await waitFor(async () => (await timeline(atPayment.orderId)).events?.length === 3, { description: 'recorded' });
  await waitFor(async () => (await timeline(fresh.orderId)).events?.length === 1, { description: 'recorded' });

  const t = await timeline(atPayment.orderId);
  expect(t.stage).toBe('STUCK');
  expect(t.stuck).toMatchObject({ step: 'payment' });
  expect(t.stuck.sinceMs).toBeGreaterThan(50_000);
  expect((await timeline(done.orderId)).stage).toBe('FULFILLED');
  expect((await timeline(fresh.orderId)).stage).toBe('IN_PROGRESS'); // waiting on validation, within its deadline

  const { body, status } = await getJson(c.port, '/orders/stuck');
  expect({ status, body }).toMatchObject({ status: 200 });
  expect(body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([atPayment.orderId]);
  expect(body.orders[0]).toMatchObject({ stage: 'STUCK', step: 'payment' });
  await waitFor(
    async () =>
      (await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text()).includes(
        'orderflow_orders_stuck{step="payment"} 1',
      ),
    { description: 'the stuck gauge' },
  );

  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const code = await ops(['stuck', '--analytics', `http://127.0.0.1:${c.port}`]).finally(() => spy.mockRestore());
  expect(code).toBe(0);
  expect(JSON.parse(out.join(''))).toMatchObject({ byStep: { payment: 1 }, orders: [{ orderId: atPayment.orderId }] });

  // Past the validation deadline, the fresh order is stuck too; once paid and fulfilled, the first one is not.
  await publish(atPayment.events.slice(3));
  await waitFor(async () => (await timeline(atPayment.orderId)).stage === 'FULFILLED', { description: 'moved on' });
  await waitFor(async () => (await timeline(fresh.orderId)).stage === 'STUCK', {
    timeoutMs: 20_000,
    description: 'the fresh order past its validation deadline',
  });
  expect((await timeline(fresh.orderId)).stuck.step).toBe('validation');
  const after = (await getJson(c.port, '/orders/stuck')).body.orders.map((o: { orderId: string }) => o.orderId);
  expect(after).toEqual([fresh.orderId]);
});
