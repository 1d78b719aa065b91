import { PermanentError, TransientError } from '@orderflow/errors';
import type { LedgerEntry, ProviderLedger } from './ledger';
import { SimulatedProvider } from './simulated';

/** The ledger's contract in memory: first writer wins, attempts count from 1. */
class MemoryLedger implements ProviderLedger {
  readonly entries = new Map<string, LedgerEntry>();
  readonly attempts = new Map<string, number>();
  async findMany(keys: readonly string[]) {
    return new Map(keys.flatMap((k) => (this.entries.has(k) ? [[k, this.entries.get(k)!] as const] : [])));
  }
  async recordMany(entries: readonly LedgerEntry[]) {
    for (const e of entries) if (!this.entries.has(e.idempotencyKey)) this.entries.set(e.idempotencyKey, e);
    return this.findMany(entries.map((e) => e.idempotencyKey));
  }
  async countAttempts(keys: readonly string[]) {
    for (const k of keys) this.attempts.set(k, (this.attempts.get(k) ?? 0) + 1);
    return new Map(keys.map((k) => [k, this.attempts.get(k)!] as const));
  }
}

const charge = (token: string, idempotencyKey = 'ord-1', amountMinor = 2599) => ({
  idempotencyKey,
  amountMinor,
  currency: 'EUR',
  token,
});

let ledger: MemoryLedger;
let provider: SimulatedProvider;
beforeEach(() => {
  ledger = new MemoryLedger();
  provider = new SimulatedProvider(ledger, { transientFailures: 2 });
});

it('approves with a reference and books the charge with its exact amount', async () => {
  const r = await provider.charge(charge('tok_approve'));
  expect(r).toEqual({ status: 'approved', reference: expect.stringMatching(/^sim_ch_/) });
  expect(ledger.entries.get('ord-1')).toMatchObject({ kind: 'charge', amountMinor: 2599, currency: 'EUR', result: r });
});

it('returns the first result for a repeated key and books one charge', async () => {
  const first = await provider.charge(charge('tok_approve'));
  const again = await provider.charge(charge('tok_approve'));
  expect(again).toEqual(first);
  expect(ledger.entries.size).toBe(1);
});

it('keeps a decline as the answer of its key', async () => {
  const first = await provider.charge(charge('tok_insufficient_funds'));
  expect(first).toMatchObject({ status: 'declined', code: 'INSUFFICIENT_FUNDS' });
  await expect(provider.charge(charge('tok_insufficient_funds'))).resolves.toEqual(first);
});

it('throws PROVIDER_UNAVAILABLE (retriable) for the first attempts of tok_transient, then approves once', async () => {
  for (let i = 0; i < 2; i++) {
    const err = await provider.charge(charge('tok_transient')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retriable: true });
  }
  expect(ledger.entries.size).toBe(0);
  const ok = await provider.charge(charge('tok_transient'));
  expect(ok.status).toBe('approved');
  await expect(provider.charge(charge('tok_transient'))).resolves.toEqual(ok);
  expect(ledger.attempts.get('ord-1')).toBe(3);
});

it('counts tok_transient attempts per key', async () => {
  await expect(provider.charge(charge('tok_transient', 'a'))).rejects.toThrow(TransientError);
  await expect(provider.charge(charge('tok_transient', 'b'))).rejects.toThrow(TransientError);
  await expect(provider.charge(charge('tok_transient', 'a'))).rejects.toThrow(TransientError);
  await expect(provider.charge(charge('tok_transient', 'a'))).resolves.toMatchObject({ status: 'approved' });
});

it('refuses a key reused for a different amount or for a refund', async () => {
  await provider.charge(charge('tok_approve'));
  await expect(provider.charge(charge('tok_approve', 'ord-1', 1))).rejects.toMatchObject({
    code: 'IDEMPOTENCY_KEY_REUSED',
  });
  const refund = { idempotencyKey: 'ord-1', chargeReference: 'x', amountMinor: 2599, currency: 'EUR' };
  await expect(provider.refund(refund)).rejects.toBeInstanceOf(PermanentError);
});

it('refunds once per key', async () => {
  const { reference } = (await provider.charge(charge('tok_approve'))) as { reference: string };
  const req = { idempotencyKey: 'refund:ord-1', chargeReference: reference, amountMinor: 2599, currency: 'EUR' };
  const first = await provider.refund(req);
  expect(first.reference).toMatch(/^sim_re_/);
  await expect(provider.refund(req)).resolves.toEqual(first);
  expect([...ledger.entries.values()].filter((e) => e.kind === 'refund')).toHaveLength(1);
});

describe('chargeMany', () => {
  it('answers each request as a single call would, aligned with the requests', async () => {
    const results = await provider.chargeMany([
      charge('tok_approve', 'a', 100),
      charge('tok_decline', 'b', 200),
      charge('tok_insufficient_funds', 'c', 300),
    ]);
    expect(results).toEqual([
      { status: 'approved', reference: expect.stringMatching(/^sim_ch_/) },
      { status: 'declined', code: 'DECLINED', message: expect.any(String) },
      { status: 'declined', code: 'INSUFFICIENT_FUNDS', message: expect.any(String) },
    ]);
    expect(ledger.entries.get('a')).toMatchObject({ kind: 'charge', amountMinor: 100, result: results[0] });
    expect(ledger.entries.get('b')).toMatchObject({ amountMinor: 200, result: results[1] });
    await expect(provider.charge(charge('tok_approve', 'a', 100))).resolves.toEqual(results[0]);
  });

  it('replays keys answered before and charges a key repeated within the call once', async () => {
    const before = await provider.charge(charge('tok_approve', 'a'));
    const [a, b1, b2] = await provider.chargeMany([
      charge('tok_approve', 'a'),
      charge('tok_approve', 'b'),
      charge('tok_approve', 'b'),
    ]);
    expect(a).toEqual(before);
    expect(b2).toEqual(b1);
    expect(ledger.entries.size).toBe(2);
    expect(ledger.attempts.get('b')).toBe(1);
  });

  it('throws for an unavailable key after answering the others, whose retry gets the same answers', async () => {
    const batch = [charge('tok_approve', 'a'), charge('tok_transient', 't'), charge('tok_decline', 'd')];
    await expect(provider.chargeMany(batch)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retriable: true });
    const kept = { a: ledger.entries.get('a')!.result, d: ledger.entries.get('d')!.result };
    expect(ledger.entries.has('t')).toBe(false);
    // The caller's transaction rolled back; it retries the same keys: the provider's books decide, not a new charge.
    await expect(provider.chargeMany(batch)).rejects.toBeInstanceOf(TransientError);
    const [a, t, d] = await provider.chargeMany(batch);
    expect([a, d]).toEqual([kept.a, kept.d]);
    expect(t).toMatchObject({ status: 'approved' });
    expect(ledger.attempts).toEqual(
      new Map([
        ['a', 1],
        ['t', 3],
        ['d', 1],
      ]),
    );
  });

  it('refuses a key reused for another amount, answering the rest', async () => {
    await provider.charge(charge('tok_approve', 'a', 100));
    await expect(
      provider.chargeMany([charge('tok_approve', 'b'), charge('tok_approve', 'a', 999)]),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(ledger.entries.has('b')).toBe(true);
  });
});

describe('refundMany', () => {
  it('refunds each key once and refuses an amount that is not positive', async () => {
    const refund = (key: string, amountMinor = 2599) => ({
      idempotencyKey: key,
      chargeReference: 'sim_ch_x',
      amountMinor,
      currency: 'EUR',
    });
    const [a, b] = await provider.refundMany([refund('refund:a'), refund('refund:b')]);
    expect(a!.reference).toMatch(/^sim_re_/);
    expect(b!.reference).not.toBe(a!.reference);
    await expect(provider.refundMany([refund('refund:a'), refund('refund:c', 0)])).rejects.toMatchObject({
      code: 'INVALID_AMOUNT',
    });
    await expect(provider.refund(refund('refund:a'))).resolves.toEqual(a);
    expect(ledger.entries.has('refund:c')).toBe(false);
  });
});
