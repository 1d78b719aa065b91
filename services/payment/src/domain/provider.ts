/**
 * The port to a payment provider (a PSP such as Stripe or Adyen). Implementations must be idempotent by key, as real
 * providers are: a repeated key returns the first result and never moves money twice. Unavailability is thrown as a
 * TransientError (the consumer retries with the same key); a decline is a result, not an error.
 */
export interface PaymentProvider {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  refund(req: RefundRequest): Promise<RefundResult>;
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
