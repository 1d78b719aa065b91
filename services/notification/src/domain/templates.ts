import type {
  InventoryRejected,
  OrderFulfilled,
  OrderRejected,
  PaymentFailed,
  PaymentRefunded,
} from '@orderflow/contracts';
import { formatMoney } from './money';

/** Which message a notification is; travels in notification.sent. */
export type Template = 'ORDER_REJECTED' | 'OUT_OF_STOCK' | 'PAYMENT_FAILED' | 'ORDER_SHIPPED' | 'PAYMENT_REFUNDED';

/** A rendered plain-text email. */
export interface Email {
  template: Template;
  subject: string;
  body: string;
}

// Event data is interpolated into one-line positions (subject, list items): a newline in it must not forge lines.
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const list = (items: readonly string[]) => items.map((i) => `  - ${oneLine(i)}`).join('\n');

function letter(name: string, ...paragraphs: string[]): string {
  return [`Hello ${oneLine(name)},`, ...paragraphs, 'The Orderflow team'].join('\n\n') + '\n';
}

/** order.rejected: the order broke rules; every reason is listed so the customer can fix them all at once. */
export function orderRejectedEmail(e: Pick<OrderRejected, 'orderId' | 'customer' | 'reasons'>): Email {
  const id = oneLine(e.orderId);
  return {
    template: 'ORDER_REJECTED',
    subject: `We could not accept your order ${id}`,
    body: letter(
      e.customer.name,
      `We could not accept your order ${id} for the following reasons:`,
      list(e.reasons.map((r) => r.message)),
      'Nothing has been charged. You are welcome to place the order again.',
    ),
  };
}

/** inventory.rejected: some lines could not be reserved, so none were; the short SKUs are listed. */
export function outOfStockEmail(e: Pick<InventoryRejected, 'orderId' | 'customer' | 'shortages'>): Email {
  const id = oneLine(e.orderId);
  const lines = e.shortages.map((s) =>
    s.code === 'UNKNOWN_SKU'
      ? `${s.sku}: no longer available`
      : `${s.sku}: ${s.requested} requested, ${s.available} in stock`,
  );
  return {
    template: 'OUT_OF_STOCK',
    subject: `Items in your order ${id} are out of stock`,
    body: letter(
      e.customer.name,
      `We are sorry: some items of your order ${id} are out of stock, so we have cancelled the order:`,
      list(lines),
      'Nothing has been charged.',
    ),
  };
}

const PAYMENT_REASONS: Record<string, string> = {
  DECLINED: 'the payment was declined',
  INSUFFICIENT_FUNDS: 'the account has insufficient funds',
  PROVIDER_ERROR: 'our payment provider could not be reached',
};

/** payment.failed: the charge did not go through; the order is cancelled. */
export function paymentFailedEmail(
  e: Pick<PaymentFailed, 'orderId' | 'customer' | 'amountMinor' | 'currency' | 'reasonCode' | 'message'>,
): Email {
  const id = oneLine(e.orderId);
  const why = PAYMENT_REASONS[e.reasonCode] ?? oneLine(e.message);
  return {
    template: 'PAYMENT_FAILED',
    subject: `Payment for your order ${id} failed`,
    body: letter(
      e.customer.name,
      `We could not charge ${formatMoney(e.amountMinor, e.currency)} for your order ${id}: ${why}.`,
      'Your order has been cancelled and nothing has been charged.',
    ),
  };
}

/** order.fulfilled: the parcel left; carrier and tracking number let the customer follow it. */
export function orderShippedEmail(
  e: Pick<OrderFulfilled, 'orderId' | 'customer' | 'carrier' | 'trackingNumber' | 'lines'>,
): Email {
  const id = oneLine(e.orderId);
  return {
    template: 'ORDER_SHIPPED',
    subject: `Your order ${id} has shipped`,
    body: letter(
      e.customer.name,
      `Good news: your order ${id} is on its way with ${oneLine(e.carrier)}.`,
      `Tracking number: ${oneLine(e.trackingNumber)}`,
      `In the parcel:\n${list(e.lines.map((l) => `${l.quantity} x ${l.sku}`))}`,
    ),
  };
}

/** payment.refunded: money went back to the customer, e.g. because the order could not be shipped. */
export function paymentRefundedEmail(
  e: Pick<PaymentRefunded, 'orderId' | 'customer' | 'amountMinor' | 'currency' | 'reason'>,
): Email {
  const id = oneLine(e.orderId);
  const because = e.reason === 'fulfillment.failed' ? ' because we could not ship it' : '';
  return {
    template: 'PAYMENT_REFUNDED',
    subject: `Your refund for order ${id}`,
    body: letter(
      e.customer.name,
      `We have refunded ${formatMoney(e.amountMinor, e.currency)} for your order ${id}${because}.`,
      'The money goes back to your original payment method; your bank may take a few days to show it.',
    ),
  };
}
