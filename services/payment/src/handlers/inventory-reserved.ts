import { randomUUID } from 'node:crypto';
import type { InventoryReserved } from '@orderflow/contracts';
import type { BatchItem, Emit } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import { chargeFor, chargeSteps, paymentOf, type Payment } from '../domain/payment';
import type { ChargeRequest, ChargeResult, PaymentProvider } from '../domain/provider';
import { chargeStates, recordPayments } from '../db/payments';

/** The outcome of an order whose reservation expired before it was charged: never sent to the provider. */
const EXPIRED: ChargeResult = {
  status: 'declined',
  code: 'RESERVATION_EXPIRED',
  message: 'the reservation expired before payment',
};

/**
 * When stock is reserved for orders, charge each customer its order's total once (`charge:<order>` is the provider's
 * idempotency key, so a retry or redelivery never charges twice), record the outcomes, and announce each one:
 * payment.processed (carrying the order forward) or payment.failed (with the provider's reason). An order that has a
 * payment already is not charged again; one whose reservation expired first (payment deadline) is not charged at all.
 * A batch is charged in one provider call and recorded in one statement; a single event is a batch of one.
 * @returns what each event emits, aligned with `items`
 */
export async function chargeReserved(
  provider: PaymentProvider,
  items: readonly Pick<BatchItem<InventoryReserved>, 'event' | 'metadata'>[],
  { tx, log }: { tx: Parameters<typeof chargeStates>[0]; log: Logger },
): Promise<Emit[][]> {
  const orderIds = items.map(({ event }) => event.orderId);
  const { paid, voided } = await chargeStates(tx, orderIds);
  const steps = chargeSteps(orderIds, paid, voided);
  const charges = items.map(({ event }, i) =>
    steps[i] === 'already-paid' ? undefined : chargeFor(event.orderId, event.order),
  );
  const sent = charges.filter((c, i): c is ChargeRequest => c !== undefined && steps[i] === 'charge');
  const answers = sent.length > 0 ? await provider.chargeMany(sent) : [];
  const resultOf = new Map(sent.map((c, i) => [c.idempotencyKey, answers[i]!]));
  const now = Date.now();
  const payments = items.map(({ event }, i) => {
    const charge = charges[i];
    if (!charge) return undefined;
    const result = steps[i] === 'expired' ? EXPIRED : resultOf.get(charge.idempotencyKey)!;
    return { payment: paymentOf(event.orderId, `pay_${randomUUID()}`, charge, result), result };
  });
  const recorded = await recordPayments(
    tx,
    payments.flatMap((p, i) => {
      if (!p) return [];
      const { event, metadata } = items[i]!;
      const cause = { eventId: metadata.eventId, correlationId: metadata.correlationId, at: now };
      return [{ payment: p.payment, cause: { ...cause, customer: event.order.customer } }];
    }),
  );
  if (items.length > 1) log.info({ orders: items.length, recorded: recorded.size }, 'payments recorded');
  return items.map(({ event, metadata }, i) => {
    const p = payments[i];
    const at = { orderId: event.orderId, eventId: metadata.eventId };
    if (!p) {
      log.warn(at, 'order already has a payment; not charged again');
      return [];
    }
    if (!recorded.has(event.orderId)) {
      log.warn(at, 'order got a payment concurrently; not announced again');
      return [];
    }
    return [announcement(event, p.payment, p.result, now, log)];
  });
}

/** payment.processed or payment.failed for an order's recorded payment. */
function announcement(
  { orderId, order }: InventoryReserved,
  { paymentId, amountMinor, currency }: Payment,
  result: ChargeResult,
  now: number,
  log: Logger,
): Emit {
  if (result.status === 'declined') {
    log.debug({ orderId, reasonCode: result.code }, 'payment failed');
    return {
      type: 'payment.failed',
      event: {
        orderId,
        customer: order.customer,
        amountMinor,
        currency,
        reasonCode: result.code,
        message: result.message,
        failedAt: now,
      },
    };
  }
  log.debug({ orderId, paymentId, amountMinor, currency }, 'payment charged');
  return {
    type: 'payment.processed',
    event: {
      orderId,
      order,
      paymentId,
      amountMinor,
      currency,
      providerReference: result.reference,
      processedAt: now,
    },
  };
}

/** inventory.reserved, one event at a time (the fallback path, and single records). */
export const onInventoryReserved =
  (provider: PaymentProvider): EventHandler<'inventory.reserved'> =>
  async (event, { tx, metadata, log }) =>
    (await chargeReserved(provider, [{ event, metadata }], { tx, log }))[0];

/** inventory.reserved, a consumed batch at once. */
export const onInventoryReservedMany =
  (provider: PaymentProvider): BatchEventHandler<'inventory.reserved'> =>
  (items, ctx) =>
    chargeReserved(provider, items, ctx);
