/**
 * fulfillment as a component: real Kafka, registry and PostgreSQL; the service runs in-process with its own
 * database, schema, role and topic prefix.
 */
import { randomUUID } from 'node:crypto';
import { newMetadata, PAYMENT_DEADLINE_REASON, type OrderCreated, type PaymentProcessed } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { aLine, anAddress, anOrder, componentTest, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import { fulfillment, SERVICE_NAME } from '../src/service';

const c = componentTest(SERVICE_NAME, (env) => runService(fulfillment(readConfig(env))));
const { tk, prefix } = c;

/** payment.processed for an order, as the payment service would publish it. */
function aPaymentFor(o: OrderCreated): PaymentProcessed {
  const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = o;
  return {
    metadata: newMetadata('payment.processed', 'payment', undefined, { correlationId: o.orderId }),
    orderId: o.orderId,
    order: { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken },
    paymentId: `pay-${randomUUID()}`,
    amountMinor: totalMinor,
    currency,
    providerReference: `psp-${randomUUID().slice(0, 8)}`,
    processedAt: Date.now(),
  };
}

const fulfilledFor = async (orderId: string) =>
  (await tk.events('order.fulfilled')).filter((e) => e.orderId === orderId);
const shipment = (orderId: string) => getJson(c.port, `/shipments/${orderId}`);

/** Every payment.processed consumed and committed, and every resulting event published. */
async function settled() {
  const topic = tk.topic('payment.processed');
  await waitFor(async () => (await tk.admin.lag(`${prefix}${SERVICE_NAME}`, [topic]))[topic] === 0, {
    description: 'consumer lag 0',
  });
  const pending = async () =>
    (await getJson(c.port, '/health/ready')).body.checks.find((c: { name: string }) => c.name === 'outbox-relay')
      ?.detail.pending;
  await waitFor(async () => (await pending()) === 0, { description: 'outbox drained' });
}

it('ships a paid order: order.fulfilled names the carrier and tracking number, and the shipment is queryable', async () => {
  const order = anOrder({
    lines: [aLine({ sku: 'A', quantity: 2 })],
    shippingAddress: anAddress({ country: 'GB', postalCode: 'N1 9GU' }),
  });
  const payment = aPaymentFor(order);
  await tk.publish('payment.processed', payment);
  const [fulfilled] = await waitFor(
    async () => (await fulfilledFor(order.orderId)).length > 0 && fulfilledFor(order.orderId),
    {
      description: 'order.fulfilled',
    },
  );
  expect(fulfilled).toMatchObject({ carrier: 'Royal Mail', customer: order.customer, lines: order.lines });
  expect(fulfilled!.trackingNumber).toMatch(/^RM\d{12}$/);
  expect(fulfilled!.metadata).toMatchObject({
    eventType: 'order.fulfilled',
    source: 'fulfillment',
    correlationId: order.orderId,
    causationId: payment.metadata.eventId,
  });
  const { status, body } = await shipment(order.orderId);
  expect(status).toBe(200);
  expect(body).toMatchObject({
    orderId: order.orderId,
    shipmentId: fulfilled!.shipmentId,
    status: 'CREATED',
    carrier: 'Royal Mail',
    trackingNumber: fulfilled!.trackingNumber,
    failureCode: null,
    address: order.shippingAddress,
    lines: order.lines,
  });
});

it('fails an order to a no-service postal code with UNDELIVERABLE_DESTINATION and ships nothing', async () => {
  const order = anOrder({ shippingAddress: anAddress({ country: 'DE', postalCode: '00000', city: 'Nirgendwo' }) });
  await tk.publish('payment.processed', aPaymentFor(order));
  const failed = await waitFor(
    async () => (await tk.events('fulfillment.failed')).find((e) => e.orderId === order.orderId),
    {
      description: 'fulfillment.failed',
    },
  );
  expect(failed).toMatchObject({ reasonCode: 'UNDELIVERABLE_DESTINATION', customer: order.customer });
  expect(failed.message).toContain('00000');
  const { body } = await shipment(order.orderId);
  expect(body).toMatchObject({
    status: 'FAILED',
    failureCode: 'UNDELIVERABLE_DESTINATION',
    carrier: null,
    trackingNumber: null,
  });
  await settled();
  expect(await fulfilledFor(order.orderId)).toEqual([]);
});

it('a redelivered event and a resubmitted payment for the same order yield one shipment and one order.fulfilled', async () => {
  const order = anOrder({ shippingAddress: anAddress({ country: 'US', postalCode: '10001', city: 'New York' }) });
  const payment = aPaymentFor(order);
  await tk.publish('payment.processed', payment);
  await tk.publish('payment.processed', payment); // same event id: redelivery
  const again = { ...aPaymentFor(order), paymentId: payment.paymentId }; // new event id: resubmission
  await tk.publish('payment.processed', again);
  await settled();
  const fulfilled = await fulfilledFor(order.orderId);
  expect(fulfilled).toHaveLength(1);
  expect(fulfilled[0]!.carrier).toBe('UPS');
  const { body } = await shipment(order.orderId);
  expect(body).toMatchObject({
    status: 'CREATED',
    shipmentId: fulfilled[0]!.shipmentId,
    trackingNumber: fulfilled[0]!.trackingNumber,
  });
});

it('dead-letters an undecodable payment.processed and still fulfils the next one', async () => {
  const poisonKey = `ord-${randomUUID()}`;
  await tk.publishRaw('payment.processed', poisonKey, Buffer.from('not a payment at all'));
  const next = anOrder({
    orderId: `${poisonKey}-next`,
    shippingAddress: anAddress({ country: 'FR', postalCode: '75001', city: 'Paris' }),
  });
  await tk.publish('payment.processed', aPaymentFor(next));
  const dead = await waitFor(async () => (await tk.deadLetters('payment.processed')).find((m) => m.key === poisonKey), {
    description: 'dead letter',
  });
  expect(dead.headers['dlq.error.code']).toBe('MALFORMED_MESSAGE');
  expect(dead.headers['dlq.service']).toBe('fulfillment');
  expect(dead.value?.toString()).toBe('not a payment at all');
  const { body } = await waitFor(
    async () => {
      const r = await shipment(next.orderId);
      return r.status === 200 && r;
    },
    { description: 'next order shipped' },
  );
  expect(body).toMatchObject({ status: 'CREATED', carrier: 'Colissimo' });
  expect((await shipment(poisonKey)).status).toBe(404);
});

it('answers 404 as JSON for an order without a shipment', async () => {
  expect(await shipment('nope')).toEqual({
    status: 404,
    body: { error: { code: 'NOT_FOUND', message: 'shipment of order nope not found' } },
  });
});

it('does not ship an order whose reservation expired: the late payment ends in fulfillment.failed', async () => {
  const order = anOrder();
  await tk.publish('inventory.released', {
    metadata: newMetadata('inventory.released', 'inventory', undefined, { correlationId: order.orderId }),
    orderId: order.orderId,
    reservationId: `res-${randomUUID()}`,
    lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    reason: PAYMENT_DEADLINE_REASON,
    releasedAt: Date.now(),
  });
  const payment = aPaymentFor(order);
  await tk.publish('payment.processed', payment);
  const [failed] = await waitFor(
    async () => {
      const f = (await tk.events('fulfillment.failed')).filter((e) => e.orderId === order.orderId);
      return f.length > 0 && f;
    },
    { description: 'fulfillment.failed for the late payment' },
  );
  expect(failed).toMatchObject({ reasonCode: 'RESERVATION_EXPIRED' });
  expect(failed!.metadata.causationId).toBe(payment.metadata.eventId);
  await settled();
  expect(await fulfilledFor(order.orderId)).toEqual([]);
  expect((await shipment(order.orderId)).body).toMatchObject({ status: 'FAILED', failureCode: 'RESERVATION_EXPIRED' });
});
