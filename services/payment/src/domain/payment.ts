import type { IoOrderflowCommon } from '@orderflow/contracts';
import { PermanentError } from '@orderflow/errors';
import type { ChargeRequest, ChargeResult } from './provider';

export type PaymentStatus = 'CHARGED' | 'FAILED' | 'REFUNDED';

/** What the payment service remembers of an order's payment. */
export interface Payment {
  orderId: string;
  paymentId: string;
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  providerReference: string | null;
  failureCode: string | null;
  failureMessage: string | null;
}

const CURRENCY = /^[A-Z]{3}$/;

/**
 * The charge for an order: its total, in its currency, with the customer's token. The order id is the idempotency
 * key, so however often the order reaches us the provider charges it once. An amount that is not a positive integer
 * of minor units can never be charged: that is a broken contract, not a decline.
 */
export function chargeFor(orderId: string, order: IoOrderflowCommon.OrderDetails): ChargeRequest {
  if (!Number.isSafeInteger(order.totalMinor) || order.totalMinor <= 0) {
    throw new PermanentError(
      `order ${orderId}: total ${order.totalMinor} is not a positive amount in minor units`,
      'INVALID_AMOUNT',
    );
  }
  if (!CURRENCY.test(order.currency)) {
    throw new PermanentError(
      `order ${orderId}: '${order.currency}' is not an ISO 4217 currency code`,
      'INVALID_CURRENCY',
    );
  }
  return {
    idempotencyKey: chargeKeyOf(orderId),
    amountMinor: order.totalMinor,
    currency: order.currency,
    token: order.paymentMethodToken,
  };
}

/** The payment recorded for a charge outcome: CHARGED with the provider's reference, or FAILED with its reason. */
export function paymentOf(orderId: string, paymentId: string, req: ChargeRequest, result: ChargeResult): Payment {
  const base = { orderId, paymentId, amountMinor: req.amountMinor, currency: req.currency };
  return result.status === 'approved'
    ? { ...base, status: 'CHARGED', providerReference: result.reference, failureCode: null, failureMessage: null }
    : { ...base, status: 'FAILED', providerReference: null, failureCode: result.code, failureMessage: result.message };
}

/** Only money actually taken is given back; a failed or already refunded payment needs no compensation. */
export function needsRefund(payment: Payment | undefined): payment is Payment & { providerReference: string } {
  return payment?.status === 'CHARGED' && payment.providerReference !== null;
}

/**
 * The provider idempotency key of an order's charge: one charge per order, however often it is retried. Charge and
 * refund keys live in separate namespaces, so no order id can ever collide with another order's refund.
 */
export const chargeKeyOf = (orderId: string) => `charge:${orderId}`;

/** The provider idempotency key of an order's refund: one refund per order, however often compensation is asked. */
export const refundKeyOf = (orderId: string) => `refund:${orderId}`;

/** What an inventory.reserved needs: nothing (the order has a payment), a decline (its reservation expired), a charge. */
export type ChargeStep = 'already-paid' | 'expired' | 'charge';

/**
 * The step of each of a run of reserved orders (offset order), as if they were handled one after another: an order
 * with a payment, or that got one earlier in the run, is not charged again; an order voided when its reservation
 * expired is never charged.
 */
export function chargeSteps(
  orderIds: readonly string[],
  paid: ReadonlySet<string>,
  voided: ReadonlySet<string>,
): ChargeStep[] {
  const decided = new Set(paid);
  return orderIds.map((orderId) => {
    if (decided.has(orderId)) return 'already-paid';
    decided.add(orderId);
    return voided.has(orderId) ? 'expired' : 'charge';
  });
}
