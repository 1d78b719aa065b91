/** Event builders and mail reading for the notification component tests. */
import {
  newMetadata,
  type EventType,
  type InventoryRejected,
  type OrderFulfilled,
  type OrderRejected,
  type PaymentFailed,
  type PaymentRefunded,
} from '@orderflow/contracts';
import { aCustomer, aLine, uniqueId, type ReceivedMail } from '@orderflow/testing';

/** A fresh order id and a customer with an address of their own, so mails can be told apart. */
function journey<T extends EventType>(type: T) {
  const orderId = `ord-${uniqueId()}`;
  return {
    metadata: newMetadata(type, 'test-upstream', undefined, { correlationId: orderId }),
    orderId,
    customer: aCustomer({ email: `${orderId}@example.com` }),
  };
}

export const anOrderRejected = (o: Partial<OrderRejected> = {}): OrderRejected => ({
  ...journey('order.rejected'),
  reasons: [
    { code: 'INVALID_QUANTITY', field: 'lines[0].quantity', message: 'quantity 0 of SKU-1 is outside 1..1000' },
  ],
  rejectedAt: Date.now(),
  ...o,
});

export const anInventoryRejected = (o: Partial<InventoryRejected> = {}): InventoryRejected => ({
  ...journey('inventory.rejected'),
  shortages: [{ sku: 'SKU-7', code: 'INSUFFICIENT_STOCK', requested: 3, available: 1 }],
  rejectedAt: Date.now(),
  ...o,
});

export const aPaymentFailed = (o: Partial<PaymentFailed> = {}): PaymentFailed => ({
  ...journey('payment.failed'),
  amountMinor: 4250,
  currency: 'USD',
  reasonCode: 'INSUFFICIENT_FUNDS',
  message: 'insufficient funds',
  failedAt: Date.now(),
  ...o,
});

export const anOrderFulfilled = (o: Partial<OrderFulfilled> = {}): OrderFulfilled => ({
  ...journey('order.fulfilled'),
  shipmentId: `shp-${uniqueId()}`,
  carrier: 'DHL',
  trackingNumber: 'JD0146000012345678',
  lines: [aLine({ sku: 'SKU-1', quantity: 2 })],
  fulfilledAt: Date.now(),
  ...o,
});

export const aPaymentRefunded = (o: Partial<PaymentRefunded> = {}): PaymentRefunded => ({
  ...journey('payment.refunded'),
  paymentId: `pay-${uniqueId()}`,
  amountMinor: 1999,
  currency: 'EUR',
  reason: 'fulfillment.failed',
  refundedAt: Date.now(),
  ...o,
});

/** The text of a received mail as the customer reads it: transfer encoding undone, line breaks as \n. */
export function textOf(mail: ReceivedMail): string {
  return mail.text.replace(/\r\n/g, '\n');
}

/** Every mail the sink received for one recipient. */
export const mailsTo = (mails: readonly ReceivedMail[], recipient: string) =>
  mails.filter((m) => m.to.includes(recipient));
