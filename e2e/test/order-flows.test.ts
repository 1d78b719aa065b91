/**
 * The choreographed saga end to end: six services as processes, real Kafka, registry, PostgreSQL and SMTP.
 * Each scenario asserts what a user would check: stock, charges, shipments, emails and the analytics timeline.
 */
import { aCustomer, aLine, anAddress, anOrder } from '@orderflow/testing';
import { waitFor } from '@orderflow/testing';
import { Platform, terminalStage } from '@orderflow/testing';

const p = new Platform();
// Each scenario crosses all six services with waits of their own; the test timeout must not cut them short.
jest.setTimeout(240000);

beforeAll(() => p.start(), 180000);
afterAll(() => p.stop(), 60000);

const mailsTo = (email: string) => p.smtp.mails.filter((m) => m.to.includes(email));
const stock = async (sku: string) => (await p.get('inventory', `/stock/${sku}`)).body;
const stageOf = (orderId: string) =>
  waitFor(() => terminalStage(p, orderId), { timeoutMs: 60000, description: `terminal stage of ${orderId}` });
/** Inventory consumes order.fulfilled alongside analytics and notification: its stock moves when it has. */
const reservationReaches = (orderId: string, status: 'SHIPPED' | 'RELEASED') =>
  waitFor(async () => (await p.get('inventory', `/reservations/${orderId}`)).body?.status === status, {
    description: `reservation of ${orderId} ${status}`,
  });

it('happy path: validated, reserved, charged, shipped, emailed, and the timeline tells the story', async () => {
  await p.setStock('E2E-HAPPY', 10);
  const email = 'happy@example.com';
  const order = anOrder({
    customer: aCustomer({ email }),
    lines: [aLine({ sku: 'E2E-HAPPY', quantity: 3, unitPriceMinor: 1250 })],
  });
  await p.kafka.publish('order.created', order);

  expect(await stageOf(order.orderId)).toBe('FULFILLED');
  const mail = await waitFor(() => mailsTo(email).find((m) => /shipped/i.test(m.subject)), {
    timeoutMs: 30000,
    description: 'shipping email',
  });
  const shipment = (await p.get('fulfillment', `/shipments/${order.orderId}`)).body;
  expect(shipment).toMatchObject({ status: 'CREATED' });
  expect(mail.text).toContain(shipment.trackingNumber);
  expect((await p.get('payment', `/payments/${order.orderId}`)).body).toMatchObject({
    status: 'CHARGED',
    amountMinor: 3750,
    currency: 'EUR',
  });
  await reservationReaches(order.orderId, 'SHIPPED');
  expect(await stock('E2E-HAPPY')).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
  expect((await p.get('order-validator', `/orders/${order.orderId}`)).body.status).toBe('VALIDATED');

  const timeline = await waitFor(
    async () => {
      const t = (await p.get('analytics', `/orders/${order.orderId}/timeline`)).body;
      return t.events.length === 6 ? t : undefined;
    },
    { description: 'six events in the timeline' },
  );
  expect(timeline.events.map((e: { type: string }) => e.type)).toEqual([
    'order.created',
    'order.validated',
    'inventory.reserved',
    'payment.processed',
    'order.fulfilled',
    'notification.sent',
  ]);
});

it('rejected order: nothing reserved or charged, the customer is told why', async () => {
  const email = 'rejected@example.com';
  const order = anOrder({ customer: aCustomer({ email }), currency: 'JPY' });
  await p.kafka.publish('order.created', order);
  expect(await stageOf(order.orderId)).toBe('REJECTED');
  const mail = await waitFor(() => mailsTo(email)[0], { timeoutMs: 30000, description: 'rejection email' });
  expect(mail.text).toContain('currency JPY is not supported');
  expect((await p.get('payment', `/payments/${order.orderId}`)).status).toBe(404);
  expect((await p.get('inventory', `/reservations/${order.orderId}`)).status).toBe(404);
});

it('short stock: nothing reserved, nothing charged, out-of-stock email', async () => {
  await p.setStock('E2E-SCARCE', 1);
  const email = 'short@example.com';
  const order = anOrder({ customer: aCustomer({ email }), lines: [aLine({ sku: 'E2E-SCARCE', quantity: 2 })] });
  await p.kafka.publish('order.created', order);
  expect(await stageOf(order.orderId)).toBe('OUT_OF_STOCK');
  await waitFor(() => mailsTo(email)[0], { timeoutMs: 30000, description: 'out-of-stock email' });
  expect(await stock('E2E-SCARCE')).toMatchObject({ onHand: 1, reserved: 0 });
  expect((await p.get('payment', `/payments/${order.orderId}`)).status).toBe(404);
});

it('declined card: payment fails, stock is released, customer told', async () => {
  await p.setStock('E2E-DECLINE', 5);
  const email = 'declined@example.com';
  const order = anOrder({
    customer: aCustomer({ email }),
    paymentMethodToken: 'tok_decline',
    lines: [aLine({ sku: 'E2E-DECLINE', quantity: 2 })],
  });
  await p.kafka.publish('order.created', order);
  expect(await stageOf(order.orderId)).toBe('PAYMENT_FAILED');
  await reservationReaches(order.orderId, 'RELEASED');
  expect(await stock('E2E-DECLINE')).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  expect((await p.get('payment', `/payments/${order.orderId}`)).body).toMatchObject({ status: 'FAILED' });
  await waitFor(() => mailsTo(email)[0], { timeoutMs: 30000, description: 'payment-failed email' });
  expect((await p.get('fulfillment', `/shipments/${order.orderId}`)).status).toBe(404);
});

it('undeliverable destination: shipment fails, charge refunded, stock released, customer told', async () => {
  await p.setStock('E2E-REMOTE', 5);
  const email = 'remote@example.com';
  const order = anOrder({
    customer: aCustomer({ email }),
    shippingAddress: anAddress({ country: 'DE', postalCode: '00000' }),
    lines: [aLine({ sku: 'E2E-REMOTE', quantity: 1, unitPriceMinor: 4200 })],
  });
  await p.kafka.publish('order.created', order);
  expect(await stageOf(order.orderId)).toBe('REFUNDED');
  await waitFor(async () => (await p.get('payment', `/payments/${order.orderId}`)).body?.status === 'REFUNDED', {
    description: 'refund',
  });
  await reservationReaches(order.orderId, 'RELEASED');
  expect(await stock('E2E-REMOTE')).toMatchObject({ onHand: 5, reserved: 0 });
  expect((await p.get('fulfillment', `/shipments/${order.orderId}`)).body).toMatchObject({ status: 'FAILED' });
  await waitFor(() => mailsTo(email).find((m) => /refund/i.test(m.subject)), {
    timeoutMs: 30000,
    description: 'refund email',
  });
});

it('the same order.created delivered twice: one order, one charge, one shipment, one email', async () => {
  await p.setStock('E2E-TWICE', 10);
  const email = 'twice@example.com';
  const order = anOrder({ customer: aCustomer({ email }), lines: [aLine({ sku: 'E2E-TWICE', quantity: 1 })] });
  await p.kafka.publish('order.created', order);
  await p.kafka.publish('order.created', order);
  await p.kafka.publish('order.created', {
    ...order,
    metadata: { ...order.metadata, eventId: `${order.metadata.eventId}-resent` },
  });
  expect(await stageOf(order.orderId)).toBe('FULFILLED');
  await waitFor(() => mailsTo(email)[0], { timeoutMs: 30000, description: 'email' });
  // Give any duplicate every chance to show: wait until the analytics summary has seen the shipping notification.
  await waitFor(
    async () => (await p.get('notification', `/notifications?orderId=${order.orderId}`)).body.notifications.length >= 1,
  );
  const charges = (await p.kafka.events('payment.processed')).filter((e) => e.orderId === order.orderId);
  const shipments = (await p.kafka.events('order.fulfilled')).filter((e) => e.orderId === order.orderId);
  expect(new Set(charges.map((c) => c.paymentId)).size).toBe(1);
  expect(new Set(shipments.map((s) => s.shipmentId)).size).toBe(1);
  expect(mailsTo(email)).toHaveLength(1);
  await reservationReaches(order.orderId, 'SHIPPED');
  expect(await stock('E2E-TWICE')).toMatchObject({ onHand: 9, reserved: 0 });
  await waitFor(
    async () => (await p.get('order-validator', `/orders/${order.orderId}`)).body.duplicateSubmissions === 1,
    { description: 'the resubmission counted' },
  );
});

it('a malformed record lands in the DLQ with its reason, and the next valid order still completes', async () => {
  await p.setStock('E2E-AFTER-POISON', 3);
  const poisonKey = 'poison-order';
  await p.kafka.publishRaw(
    'order.created',
    poisonKey,
    Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]) /* schema id nobody registered */,
  );
  const order = anOrder({ lines: [aLine({ sku: 'E2E-AFTER-POISON' })] });
  await p.kafka.publish('order.created', order);
  expect(await stageOf(order.orderId)).toBe('FULFILLED');
  const letters = await waitFor(
    async () => {
      const d = (await p.kafka.deadLetters('order.created')).filter((m) => m.key === poisonKey);
      return d.length >= 2 ? d : undefined;
    },
    { description: 'dead letters from both consumers of order.created', timeoutMs: 30000 },
  );
  // order-validator and analytics both consume order.created; each sets the record aside once, naming itself.
  expect(letters.map((l) => l.headers['dlq.service']).sort()).toEqual(['analytics', 'order-validator']);
  for (const l of letters) {
    expect(l.headers['dlq.error.code']).toBe('UNKNOWN_SCHEMA');
    expect(l.headers['dlq.error.message']).toContain('schema id 2147483632');
    expect(l.headers['dlq.original.topic']).toBe(p.kafka.topic('order.created'));
  }
});
