import { createHash } from 'node:crypto';
import { isEmailAddress, MAX_EMAIL_LENGTH } from '@orderflow/contracts';

/** The channel every notification uses today. */
export const CHANNEL = 'EMAIL';

// Fixed namespace of notification ids (a random UUID chosen once; changing it would change every id).
const NAMESPACE = Buffer.from('6f1d3c2a8e4b4f7a9c0d5e6f7a8b9c0d', 'hex');

/**
 * The notification id of the event that triggers it: a name-based (version 5) UUID of the event id. Deterministic,
 * so a redelivery after a crash between SMTP accept and commit sends the very same id (and Message-ID) again.
 */
export function notificationIdFor(triggerEventId: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(triggerEventId, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * RFC 5322 Message-ID of a notification, in the sender's domain: a receiving system that sees the same Message-ID
 * twice knows it is a resend of one message.
 */
export function messageIdFor(notificationId: string, mailFrom: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'orderflow.local';
  return `<${notificationId}@${domain}>`;
}

/** Why an address cannot receive mail, or undefined when it can: the decision is then recorded as failed at once. */
export function undeliverableReason(recipient: string): string | undefined {
  return isEmailAddress(recipient) ? undefined : `'${recipient.slice(0, 64)}' is not an address that can receive mail`;
}

/** What the customer is told, and what is recorded for it. */
export interface Decision {
  notificationId: string;
  /** The recipient as stored (bounded by the contract's address length). */
  recipient: string;
  /** Set when the address cannot receive mail: the notification is FAILED (INVALID_ADDRESS) from the start. */
  undeliverable?: string;
}

/** The decision for one triggering event: its deterministic notification id, and whether mail can reach them. */
export function decide(triggerEventId: string, recipient: string): Decision {
  const undeliverable = undeliverableReason(recipient);
  return {
    notificationId: notificationIdFor(triggerEventId),
    recipient: recipient.slice(0, MAX_EMAIL_LENGTH),
    ...(undeliverable ? { undeliverable } : {}),
  };
}
