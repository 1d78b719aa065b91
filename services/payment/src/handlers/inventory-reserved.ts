import { randomUUID } from 'node:crypto';
import type { EventHandler } from '@orderflow/service-kit';
import { chargeFor, paymentOf } from '../domain/payment';
import type { ChargeResult, PaymentProvider } from '../domain/provider';
import { isVoided, lockPayment, recordPayment } from '../db/payments';

/**
 * When stock is reserved for an order, charge the customer its total once (the order id is the provider's
 * idempotency key, so a retry or redelivery never charges twice), record the outcome, and announce it:
 * payment.processed (carrying the order forward) or payment.failed (with the provider's reason).
 */
export const onInventoryReserved =
  (provider: PaymentProvider): EventHandler<'inventory.reserved'> =>
  async ({ orderId, order }, { tx, metadata, log }) => {
    if (await lockPayment(tx, orderId)) {
      log.warn('order already has a payment; not charged again');
      return [];
    }
    const charge = chargeFor(orderId, order);
    // Its reservation expired (payment deadline) before we got to it: not charged, and the order ends here.
    const result: ChargeResult = (await isVoided(tx, orderId))
      ? { status: 'declined', code: 'RESERVATION_EXPIRED', message: 'the reservation expired before payment' }
      : await provider.charge(charge);
    const payment = paymentOf(orderId, `pay_${randomUUID()}`, charge, result);
    const now = Date.now();
    if (
      !(await recordPayment(tx, payment, {
        eventId: metadata.eventId,
        correlationId: metadata.correlationId,
        at: now,
        customer: order.customer,
      }))
    ) {
      log.warn('order got a payment concurrently; not announced again');
      return [];
    }
    const { paymentId, amountMinor, currency } = payment;
    if (result.status === 'declined') {
      log.info({ reasonCode: result.code }, 'payment failed');
      return [
        {
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
        },
      ];
    }
    log.info({ paymentId, amountMinor, currency }, 'payment charged');
    return [
      {
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
      },
    ];
  };
