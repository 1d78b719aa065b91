import { PermanentError, TransientError } from '@orderflow/errors';
import type { LedgerEntry, ProviderLedger } from './ledger';
import { SimulatedProvider } from './simulated';

/** The ledger's contract in memory: first writer wins, attempts count from 1. */
class MemoryLedger implements ProviderLedger {
  readonly entries = new Map<string, LedgerEntry>();
  readonly attempts = new Map<string, number>();
  async find(key: string) {
    return this.entries.get(key);
  }
  async record(e: LedgerEntry) {
    if (!this.entries.has(e.idempotencyKey)) this.entries.set(e.idempotencyKey, e);
    return this.entries.get(e.idempotencyKey)!;
  }
  async countAttempt(key: string) {
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    return n;
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
