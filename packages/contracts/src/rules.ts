/**
 * The email address rule of the contracts: pragmatic (RFC 5322 is far looser): one @, no spaces, a dot in the domain,
 * no empty labels, at most 254 characters (RFC 5321's limit for a path). order-validator rejects orders whose address
 * breaks it; notification records a notification to such an address as failed instead of trying to send it.
 */
const EMAIL = /^[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export const MAX_EMAIL_LENGTH = 254;

export function isEmailAddress(s: string): boolean {
  return s.length <= MAX_EMAIL_LENGTH && EMAIL.test(s);
}

/**
 * inventory.released's `reason` when no payment outcome came before the payment deadline (the other reasons are the
 * event types that caused a release: payment.failed, fulfillment.failed). Payment refunds a late charge of such an
 * order and fulfillment does not ship it.
 */
export const PAYMENT_DEADLINE_REASON = 'payment.deadline';
