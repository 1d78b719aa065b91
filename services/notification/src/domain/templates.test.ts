import { aCustomer, aLine } from '@orderflow/testing';
import {
  orderRejectedEmail,
  orderShippedEmail,
  outOfStockEmail,
  paymentFailedEmail,
  paymentRefundedEmail,
} from './templates';

const customer = aCustomer({ name: 'Ada Lovelace', email: 'ada@example.com' });
const orderId = 'ord-42';

describe('templates', () => {
  it('ORDER_REJECTED lists every reason', () => {
    const email = orderRejectedEmail({
      orderId,
      customer,
      reasons: [
        { code: 'INVALID_QUANTITY', field: 'lines[0].quantity', message: 'quantity 0 of SKU-1 is outside 1..1000' },
        { code: 'UNSUPPORTED_CURRENCY', field: 'currency', message: 'currency XXX is not supported' },
      ],
    });
    expect(email.template).toBe('ORDER_REJECTED');
    expect(email.subject).toBe('We could not accept your order ord-42');
    expect(email.body).toMatch(/^Hello Ada Lovelace,/);
    expect(email.body).toContain('  - quantity 0 of SKU-1 is outside 1..1000\n  - currency XXX is not supported');
    expect(email.body).toContain('Nothing has been charged');
  });

  it('OUT_OF_STOCK lists the short SKUs with what is left', () => {
    const email = outOfStockEmail({
      orderId,
      customer,
      shortages: [
        { sku: 'SKU-2', code: 'INSUFFICIENT_STOCK', requested: 5, available: 1 },
        { sku: 'SKU-9', code: 'UNKNOWN_SKU', requested: 1, available: 0 },
      ],
    });
    expect(email.template).toBe('OUT_OF_STOCK');
    expect(email.subject).toBe('Items in your order ord-42 are out of stock');
    expect(email.body).toContain('  - SKU-2: 5 requested, 1 in stock\n  - SKU-9: no longer available');
  });

  it('PAYMENT_FAILED names the amount and a readable reason', () => {
    const base = { orderId, customer, amountMinor: 4250, currency: 'USD', message: 'card_declined by provider' };
    const email = paymentFailedEmail({ ...base, reasonCode: 'DECLINED' });
    expect(email.template).toBe('PAYMENT_FAILED');
    expect(email.subject).toBe('Payment for your order ord-42 failed');
    expect(email.body).toContain('We could not charge $42.50 for your order ord-42: the payment was declined.');
    expect(paymentFailedEmail({ ...base, reasonCode: 'SOMETHING_NEW' }).body).toContain(': card_declined by provider.');
  });

  it('ORDER_SHIPPED gives carrier, tracking number and contents', () => {
    const email = orderShippedEmail({
      orderId,
      customer,
      carrier: 'DHL',
      trackingNumber: 'JD0146000012345678',
      lines: [aLine({ sku: 'SKU-1', quantity: 2 }), aLine({ sku: 'SKU-3', quantity: 1 })],
    });
    expect(email.template).toBe('ORDER_SHIPPED');
    expect(email.subject).toBe('Your order ord-42 has shipped');
    expect(email.body).toContain('on its way with DHL.');
    expect(email.body).toContain('Tracking number: JD0146000012345678');
    expect(email.body).toContain('  - 2 x SKU-1\n  - 1 x SKU-3');
  });

  it.each([
    [1999, 'EUR', '€19.99'],
    [1999, 'USD', '$19.99'],
    [100005, 'GBP', '£1,000.05'],
  ])('PAYMENT_REFUNDED states the amount %p %s as %s', (amountMinor, currency, shown) => {
    const email = paymentRefundedEmail({ orderId, customer, amountMinor, currency, reason: 'fulfillment.failed' });
    expect(email.template).toBe('PAYMENT_REFUNDED');
    expect(email.subject).toBe('Your refund for order ord-42');
    expect(email.body).toContain(`We have refunded ${shown} for your order ord-42 because we could not ship it.`);
  });

  it('keeps event data from forging extra lines in subject or lists', () => {
    const email = orderRejectedEmail({
      orderId: 'ord-1\r\nBcc: victim@example.com',
      customer,
      reasons: [{ code: 'X', field: null, message: 'first\n  - forged' }],
    });
    expect(email.subject).toBe('We could not accept your order ord-1 Bcc: victim@example.com');
    expect(email.body).toContain('  - first - forged\n');
  });
});
