import { parseOrdersFile, toOrderCreated, type OrderInput } from '../src';

const order = (overrides: Partial<OrderInput> & Record<string, unknown> = {}) => ({
  orderId: 'ord-1',
  customer: { customerId: 'c-1', name: 'Ada Lovelace', email: 'ada@example.com' },
  currency: 'EUR',
  lines: [{ sku: 'SKU-MOUSE', quantity: 2, unitPriceMinor: 2999 }],
  totalMinor: 5998,
  shippingAddress: { line1: '221B Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' },
  paymentMethodToken: 'tok_approve',
  ...overrides,
});

describe('parseOrdersFile: NDJSON', () => {
  it('reads the valid lines and reports the bad ones with their line numbers', () => {
    const text = [
      JSON.stringify(order({ orderId: 'ord-1' })),
      '',
      '{"orderId": "ord-2", oops',
      JSON.stringify(order({ orderId: 'ord-3', totalMinor: 12.5 })),
      JSON.stringify(order({ orderId: 'ord-4' })),
      JSON.stringify({ ...order({ orderId: 'ord-5' }), metadata: {} }),
    ].join('\r\n');
    const { orders, errors } = parseOrdersFile(text);
    expect(orders.map((o) => o.orderId)).toEqual(['ord-1', 'ord-4']);
    expect(errors).toEqual([
      { line: 3, message: expect.stringMatching(/^not valid JSON/) },
      { line: 4, message: 'totalMinor must be an integer (minor units for money)' },
      { line: 6, message: 'order has unknown field(s) metadata' },
    ]);
  });

  it('defaults line2 to null, leaves createdAt to the publisher and accepts ISO timestamps', () => {
    const { orders } = parseOrdersFile(
      `${JSON.stringify(order())}\n${JSON.stringify(order({ orderId: 'ord-2', createdAt: '2025-01-01T12:00:00Z' as never }))}\n`,
    );
    expect(orders[0]!.shippingAddress.line2).toBeNull();
    expect(orders[0]!.createdAt).toBeUndefined();
    expect(orders[1]!.createdAt).toBe(Date.UTC(2025, 0, 1, 12));
  });

  it('names the offending field of a nested object', () => {
    const bad = order({ lines: [{ sku: 'SKU-MOUSE', quantity: '2', unitPriceMinor: 2999 }] as never });
    expect(parseOrdersFile(JSON.stringify(bad)).errors).toEqual([
      { line: 1, message: 'lines[0].quantity must be an integer (minor units for money)' },
    ]);
    const noEmail = order({ customer: { customerId: 'c', name: 'n' } as never });
    expect(parseOrdersFile(JSON.stringify(noEmail)).errors[0]!.message).toBe(
      'customer.email must be a non-empty string',
    );
  });

  it('does not judge business rules: a wrong total or a bad email is still an order', () => {
    const { orders, errors } = parseOrdersFile(
      JSON.stringify(order({ totalMinor: 1, customer: { customerId: 'c', name: 'n', email: 'nope' } })),
    );
    expect(errors).toEqual([]);
    expect(orders).toHaveLength(1);
  });
});

describe('parseOrdersFile: JSON array', () => {
  it('reports a bad element with the line it starts on', () => {
    const text = JSON.stringify(
      [order({ orderId: 'a' }), order({ orderId: 'b', currency: 7 as never }), order({ orderId: 'c' })],
      null,
      2,
    );
    const { orders, errors } = parseOrdersFile(text);
    expect(orders.map((o) => o.orderId)).toEqual(['a', 'c']);
    const line = text.split('\n').findIndex((l) => l.includes('"b"')); // 0-based index of the orderId line = 1-based line of its '{'
    expect(errors).toEqual([{ line, message: 'element 2: currency must be a non-empty string' }]);
  });

  it('reports an element that is not JSON on its own line and keeps the others', () => {
    const good = JSON.stringify(order({ orderId: 'c' }));
    const { orders, errors } = parseOrdersFile(`[\n  {"orderId": "a"},\n  {"orderId": },\n  ${good}\n]\n`);
    expect(orders.map((o) => o.orderId)).toEqual(['c']);
    expect(errors).toEqual([
      { line: 2, message: 'element 1: customer must be an object' },
      { line: 3, message: expect.stringMatching(/^element 2: not valid JSON/) },
    ]);
  });

  it('reports an array that is not closed, or text after it, as one error', () => {
    expect(parseOrdersFile('[\n  {"orderId": "a"},\n').errors).toEqual([
      { line: 3, message: 'not valid JSON: the array is not closed' },
    ]);
    expect(parseOrdersFile('[]\n\n{}').errors).toEqual([
      { line: 3, message: 'not valid JSON: unexpected text after the array' },
    ]);
    expect(parseOrdersFile('  [ ]  ')).toEqual({ orders: [], errors: [] });
  });
});

describe('toOrderCreated', () => {
  it('adds metadata that starts a journey correlated by the order id', () => {
    const [input] = parseOrdersFile(JSON.stringify(order({ orderId: 'ord-9' }))).orders;
    const event = toOrderCreated(input!, 'crm', 1700000000000);
    expect(event.metadata).toMatchObject({
      eventType: 'order.created',
      source: 'crm',
      correlationId: 'ord-9',
      causationId: null,
      occurredAt: 1700000000000,
    });
    expect(event.createdAt).toBe(1700000000000);
  });
});
