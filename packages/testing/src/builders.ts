import { randomUUID } from 'node:crypto';
import { newMetadata, type IoOrderflowCommon, type OrderCreated } from '@orderflow/contracts';

type Line = IoOrderflowCommon.OrderLine;
type Address = IoOrderflowCommon.Address;
type Customer = IoOrderflowCommon.Customer;

export function aLine(overrides: Partial<Line> = {}): Line {
  return { sku: 'SKU-1', quantity: 1, unitPriceMinor: 1999, ...overrides };
}

export function aCustomer(overrides: Partial<Customer> = {}): Customer {
  return {
    customerId: `cust-${randomUUID().slice(0, 8)}`,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    ...overrides,
  };
}

export function anAddress(overrides: Partial<Address> = {}): Address {
  return { line1: '1 Analytical Way', line2: null, city: 'London', postalCode: 'N1 9GU', country: 'GB', ...overrides };
}

export type OrderOverrides = Partial<Omit<OrderCreated, 'metadata'>> & { totalMinor?: number };

/** An order.created event; the total is the sum of the lines unless given. */
export function anOrder(overrides: OrderOverrides = {}): OrderCreated {
  const lines = overrides.lines ?? [aLine()];
  const orderId = overrides.orderId ?? `ord-${randomUUID()}`;
  return {
    metadata: newMetadata('order.created', 'test-upstream', undefined, { correlationId: orderId }),
    orderId,
    customer: aCustomer(),
    currency: 'EUR',
    lines,
    totalMinor: lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0),
    shippingAddress: anAddress(),
    paymentMethodToken: 'tok_approve',
    createdAt: Date.now(),
    ...overrides,
  };
}
