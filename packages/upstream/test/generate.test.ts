import {
  createRng,
  DEMO_CURRENCIES,
  DEMO_STOCK,
  generateOrder,
  ORDER_KINDS,
  parseMix,
  pickKind,
  REJECT_RULES,
  SUPPORTED_COUNTRIES,
  UNDELIVERABLE_POSTAL_CODES,
  toOrderInput,
  totalOf,
  type OrderInput,
  type OrderKind,
} from '../src';

/** The rules the downstream services apply, as a test oracle: every problem an order has, by name. */
function problemsOf(o: OrderInput): string[] {
  const problems: string[] = [];
  if (o.totalMinor !== totalOf(o.lines)) problems.push('total-mismatch');
  if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(o.customer.email)) problems.push('bad-email');
  if (o.lines.some((l) => l.quantity < 1 || l.quantity > 1000)) problems.push('zero-quantity');
  if (o.lines.length === 0 || new Set(o.lines.map((l) => l.sku)).size !== o.lines.length) problems.push('lines');
  if (!(DEMO_CURRENCIES as readonly string[]).includes(o.currency)) problems.push('currency');
  if (o.lines.some((l) => l.quantity > (DEMO_STOCK[l.sku] ?? 0))) problems.push('short');
  if (o.paymentMethodToken !== 'tok_approve') problems.push(o.paymentMethodToken);
  if (!(SUPPORTED_COUNTRIES as readonly string[]).includes(o.shippingAddress.country)) problems.push('country');
  if ((UNDELIVERABLE_POSTAL_CODES as readonly string[]).includes(o.shippingAddress.postalCode))
    problems.push('undeliverable');
  return problems;
}

const expected: Record<Exclude<OrderKind, 'reject'>, string[]> = {
  happy: [],
  short: ['short'],
  decline: ['tok_decline'],
  undeliverable: ['undeliverable'],
  insufficient: ['tok_insufficient_funds'],
  transient: ['tok_transient'],
};

describe('generateOrder', () => {
  it('happy orders are valid: in-stock demo SKUs, total = sum of the lines, integer minor units', () => {
    const rng = createRng('happy');
    for (let i = 0; i < 500; i++) {
      const o = generateOrder('happy', rng);
      expect(problemsOf(o)).toEqual([]);
      expect(o.totalMinor).toBe(o.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0));
      expect(o.lines.every((l) => Number.isInteger(l.unitPriceMinor) && l.unitPriceMinor > 0)).toBe(true);
      expect(toOrderInput(o)).toEqual(o); // has the contract's shape
    }
  });

  it.each(Object.entries(expected))('%s orders break exactly %j', (kind, problems) => {
    const rng = createRng(kind);
    for (let i = 0; i < 300; i++) expect(problemsOf(generateOrder(kind as OrderKind, rng))).toEqual(problems);
  });

  it('reject orders break exactly one validation rule, and every rule comes up', () => {
    const rng = createRng('reject');
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const problems = problemsOf(generateOrder('reject', rng));
      expect(problems).toHaveLength(1);
      expect(REJECT_RULES).toContain(problems[0]);
      seen.add(problems[0]!);
    }
    expect([...seen].sort()).toEqual([...REJECT_RULES].sort());
  });

  it('short orders ask for an unknown SKU or more of a known SKU than is in stock, both', () => {
    const rng = createRng('short');
    const ways = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const o = generateOrder('short', rng);
      ways.add(o.lines.some((l) => DEMO_STOCK[l.sku] === undefined) ? 'unknown' : 'too-many');
    }
    expect([...ways].sort()).toEqual(['too-many', 'unknown']);
  });

  it('is reproducible from a seed, ids included', () => {
    const run = (seed: string) => {
      const rng = createRng(seed);
      return ORDER_KINDS.map((k) => generateOrder(k, rng));
    };
    expect(run('42')).toEqual(run('42'));
    expect(run('42')[0]!.orderId).not.toBe(run('43')[0]!.orderId);
  });
});

describe('order mix', () => {
  it('parses weights and draws kinds in proportion', () => {
    const mix = parseMix('happy=80, reject=5,short=5,decline=5,undeliverable=5');
    expect(mix).toEqual({ happy: 80, reject: 5, short: 5, decline: 5, undeliverable: 5 });
    const rng = createRng('mix');
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10000; i++) {
      const k = pickKind(mix, rng);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts.happy! / 10000).toBeCloseTo(0.8, 1);
    expect(Object.keys(counts).sort()).toEqual(['decline', 'happy', 'reject', 'short', 'undeliverable']);
    expect(pickKind({ transient: 1, happy: 0 }, rng)).toBe('transient');
  });

  it.each([
    ['happy=80,bogus=5', /unknown kind 'bogus'/],
    ['happy', /'happy' is not kind=weight/],
    ['happy=lots', /weight of happy must be a number >= 0/],
    ['happy=-1', /weight of happy must be a number >= 0/],
    ['happy=1,happy=2', /happy is given twice/],
    ['happy=0,reject=0', /at least one weight must be > 0/],
    ['', /at least one weight must be > 0/],
  ])('rejects %j', (text, message) => {
    expect(() => parseMix(text)).toThrow(message);
    expect(() => parseMix(text)).toThrow(expect.objectContaining({ name: 'ConfigError', retriable: false }));
  });
});
