import { randomUUID } from 'node:crypto';
import type { EventHandler } from '@orderflow/service-kit';
import { checkDeliverability, chooseCarrier, trackingNumber, type DeliverabilityPolicy } from '../domain/shipping';
import { isCancelled, recordShipment } from '../db/shipments';

/**
 * When an order is paid, ship it: pick the carrier for the destination and issue a tracking number, or fail when no
 * carrier delivers there. Record the outcome once per order and announce it: order.fulfilled or fulfillment.failed
 * (upon which payment refunds and inventory releases).
 */
export const onPaymentProcessed =
  (policy: DeliverabilityPolicy): EventHandler<'payment.processed'> =>
  async (payment, { tx, log }) => {
    const { orderId, order } = payment;
    const now = Date.now();
    const shipmentId = randomUUID();
    // A payment that arrives after the reservation expired (payment deadline) is not shipped: payment refunds it.
    const undeliverable = (await isCancelled(tx, orderId))
      ? { code: 'RESERVATION_EXPIRED', message: 'the reservation expired before the payment arrived' }
      : checkDeliverability(order.shippingAddress, policy);
    const carrier = chooseCarrier(order.shippingAddress.country);
    const tracking = trackingNumber(carrier, shipmentId);
    const isNew = await recordShipment(tx, {
      orderId,
      shipmentId,
      status: undeliverable ? 'FAILED' : 'CREATED',
      carrier: undeliverable ? null : carrier,
      trackingNumber: undeliverable ? null : tracking,
      failureCode: undeliverable?.code ?? null,
      failureMessage: undeliverable?.message ?? null,
      address: order.shippingAddress,
      lines: order.lines,
      createdAt: now,
    });
    if (!isNew) {
      log.warn({ paymentId: payment.paymentId }, 'order already has a shipment; payment.processed again ignored');
      return [];
    }
    if (undeliverable) {
      log.info({ reasonCode: undeliverable.code }, 'fulfillment failed');
      return [
        {
          type: 'fulfillment.failed',
          event: {
            orderId,
            customer: order.customer,
            reasonCode: undeliverable.code,
            message: undeliverable.message,
            failedAt: now,
          },
        },
      ];
    }
    log.info({ shipmentId, carrier, trackingNumber: tracking }, 'shipment created');
    return [
      {
        type: 'order.fulfilled',
        event: {
          orderId,
          customer: order.customer,
          shipmentId,
          carrier,
          trackingNumber: tracking,
          lines: order.lines,
          fulfilledAt: now,
        },
      },
    ];
  };
