import { randomUUID } from 'node:crypto';
import type { PaymentProcessed } from '@orderflow/contracts';
import type { BatchItem, Emit } from '@orderflow/outbox';
import type { BatchEventHandler, EventHandler, Logger } from '@orderflow/service-kit';
import {
  checkDeliverability,
  chooseCarrier,
  repeatsWithin,
  trackingNumber,
  type DeliverabilityPolicy,
} from '../domain/shipping';
import { cancelledAmong, recordShipments, type Shipment } from '../db/shipments';

/** Why a payment that arrives after the reservation expired (payment deadline) is not shipped: payment refunds it. */
const EXPIRED = { code: 'RESERVATION_EXPIRED', message: 'the reservation expired before the payment arrived' };

/**
 * When orders are paid, ship each: pick the carrier for the destination and issue a tracking number, or fail when no
 * carrier delivers there (or the reservation expired first). Record the outcome once per order and announce it:
 * order.fulfilled or fulfillment.failed (upon which payment refunds and inventory releases). A batch costs one
 * lookup and one insert; a single event is a batch of one.
 * @returns what each event emits, aligned with `items`
 */
export async function shipPaid(
  policy: DeliverabilityPolicy,
  items: readonly Pick<BatchItem<PaymentProcessed>, 'event' | 'metadata'>[],
  { tx, log }: { tx: Parameters<typeof cancelledAmong>[0]; log: Logger },
): Promise<Emit[][]> {
  const orderIds = items.map(({ event }) => event.orderId);
  const cancelled = await cancelledAmong(tx, orderIds);
  const repeats = repeatsWithin(orderIds);
  const now = Date.now();
  const shipments = items.map(({ event }, i) =>
    repeats[i] ? undefined : shipmentOf(event, cancelled.has(event.orderId), policy, now),
  );
  const recorded = await recordShipments(
    tx,
    shipments.filter((s) => s !== undefined),
  );
  if (items.length > 1) log.info({ orders: items.length, recorded: recorded.size }, 'shipments recorded');
  return items.map(({ event, metadata }, i) => {
    const s = shipments[i];
    if (!s || !recorded.has(event.orderId)) {
      const at = { orderId: event.orderId, eventId: metadata.eventId, paymentId: event.paymentId };
      log.warn(at, 'order already has a shipment; payment.processed again ignored');
      return [];
    }
    return [announcement(event, s, log)];
  });
}

/** The shipment of a paid order: created with a carrier and tracking number, or failed with the reason. */
function shipmentOf(
  { orderId, order }: PaymentProcessed,
  cancelled: boolean,
  policy: DeliverabilityPolicy,
  now: number,
): Shipment {
  const shipmentId = randomUUID();
  const undeliverable = cancelled ? EXPIRED : checkDeliverability(order.shippingAddress, policy);
  const carrier = chooseCarrier(order.shippingAddress.country);
  return {
    orderId,
    shipmentId,
    status: undeliverable ? 'FAILED' : 'CREATED',
    carrier: undeliverable ? null : carrier,
    trackingNumber: undeliverable ? null : trackingNumber(carrier, shipmentId),
    failureCode: undeliverable?.code ?? null,
    failureMessage: undeliverable?.message ?? null,
    address: order.shippingAddress,
    lines: order.lines,
    createdAt: now,
  };
}

/** order.fulfilled or fulfillment.failed for a recorded shipment. */
function announcement({ orderId, order }: PaymentProcessed, s: Shipment, log: Logger): Emit {
  if (s.status === 'FAILED') {
    log.debug({ orderId, reasonCode: s.failureCode }, 'fulfillment failed');
    return {
      type: 'fulfillment.failed',
      event: {
        orderId,
        customer: order.customer,
        reasonCode: s.failureCode!,
        message: s.failureMessage!,
        failedAt: s.createdAt,
      },
    };
  }
  const { shipmentId, carrier, trackingNumber } = s;
  log.debug({ orderId, shipmentId, carrier, trackingNumber }, 'shipment created');
  return {
    type: 'order.fulfilled',
    event: {
      orderId,
      customer: order.customer,
      shipmentId,
      carrier: carrier!,
      trackingNumber: trackingNumber!,
      lines: order.lines,
      fulfilledAt: s.createdAt,
    },
  };
}

/** payment.processed, one event at a time (the fallback path, and single records). */
export const onPaymentProcessed =
  (policy: DeliverabilityPolicy): EventHandler<'payment.processed'> =>
  async (event, { tx, metadata, log }) =>
    (await shipPaid(policy, [{ event, metadata }], { tx, log }))[0];

/** payment.processed, a consumed batch at once. */
export const onPaymentProcessedMany =
  (policy: DeliverabilityPolicy): BatchEventHandler<'payment.processed'> =>
  (items, ctx) =>
    shipPaid(policy, items, ctx);
