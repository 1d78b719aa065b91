/**
 * The port to a payment provider (a PSP such as Stripe or Adyen). Implementations must be idempotent by key, as real
 * providers are: a repeated key returns the first result and never moves money twice. Unavailability is thrown as a
 * TransientError (the consumer retries with the same key); a decline is a result, not an error.
 */
export interface PaymentProvider {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  refund(req: RefundRequest): Promise<RefundResult>;
  /**
   * Many charges in one call (a provider's batch API): each request is answered as `charge` would answer it alone
   * (a key answered before gives its first answer), results aligned with `reqs`. If any request cannot be answered
   * (unavailable, a key reused), the call throws that error (the first in request order) once the others are done:
   * what the provider did for them stays recorded under their keys, so the retry gets the same answers.
   */
  chargeMany(reqs: readonly ChargeRequest[]): Promise<ChargeResult[]>;
  /** Many refunds in one call, as `chargeMany` for charges. */
  refundMany(reqs: readonly RefundRequest[]): Promise<RefundResult[]>;
}

export interface ChargeRequest {
  idempotencyKey: string;
  /** Integer minor units. */
  amountMinor: number;
  currency: string;
  /** The customer's payment-method token, issued by the provider. */
  token: string;
}

/** Why a charge did not happen: the provider's answers, or RESERVATION_EXPIRED (never sent to the provider). */
export type DeclineCode = 'DECLINED' | 'INSUFFICIENT_FUNDS' | 'RESERVATION_EXPIRED';

export type ChargeResult =
  { status: 'approved'; reference: string } | { status: 'declined'; code: DeclineCode; message: string };

export interface RefundRequest {
  idempotencyKey: string;
  chargeReference: string;
  /** Integer minor units. */
  amountMinor: number;
  currency: string;
}

export interface RefundResult {
  reference: string;
}
