import {
  aggregateLines,
  available,
  decideReservation,
  releaseLevels,
  shipLevels,
  SKU_PATTERN,
  StockBook,
  takeAvailableLevels,
} from './reservation';

const level = (sku: string, onHand: number, reserved = 0) => ({ sku, onHand, reserved });
const line = (sku: string, quantity: number) => ({ sku, quantity });

describe('aggregateLines', () => {
  it('sums lines of the same SKU and sorts by SKU (the lock order)', () => {
    expect(aggregateLines([line('B', 1), line('A', 2), line('B', 3)])).toEqual([line('A', 2), line('B', 4)]);
  });

  it.each([0, -1, 1.5])('refuses quantity %p', (q) => {
    expect(() => aggregateLines([line('A', q)])).toThrow(RangeError);
  });
});

describe('decideReservation', () => {
  it('reserves every line when all are available, leaving on-hand untouched', () => {
    const d = decideReservation([line('A', 2), line('B', 1)], [level('A', 5, 1), level('B', 1)]);
    expect(d).toEqual({
      outcome: 'RESERVED',
      lines: [line('A', 2), line('B', 1)],
      levels: [level('A', 5, 3), level('B', 1, 1)],
    });
  });

  it('reserves the last available unit exactly', () => {
    const d = decideReservation([line('A', 3)], [level('A', 10, 7)]);
    expect(d.outcome === 'RESERVED' && d.levels.map(available)).toEqual([0]);
  });

  it('rejects the whole order when one line is short: nothing reserved, the shortage named', () => {
    const d = decideReservation([line('A', 1), line('B', 3)], [level('A', 5), level('B', 4, 2)]);
    expect(d).toEqual({
      outcome: 'REJECTED',
      shortages: [{ sku: 'B', code: 'INSUFFICIENT_STOCK', requested: 3, available: 2 }],
    });
  });

  it('checks the total of duplicate SKU lines, not each line alone', () => {
    const d = decideReservation([line('A', 2), line('A', 2)], [level('A', 3)]);
    expect(d).toEqual({
      outcome: 'REJECTED',
      shortages: [{ sku: 'A', code: 'INSUFFICIENT_STOCK', requested: 4, available: 3 }],
    });
  });

  it('names an unknown SKU and every other shortage at once', () => {
    const d = decideReservation([line('Z', 1), line('A', 9)], [level('A', 1)]);
    expect(d).toEqual({
      outcome: 'REJECTED',
      shortages: [
        { sku: 'A', code: 'INSUFFICIENT_STOCK', requested: 9, available: 1 },
        { sku: 'Z', code: 'UNKNOWN_SKU', requested: 1, available: 0 },
      ],
    });
  });
});

describe('release and shipment', () => {
  const stock = [level('A', 10, 4), level('B', 2, 2)];

  it('release returns reserved units to available stock', () => {
    expect(releaseLevels([line('A', 3), line('B', 2)], stock)).toEqual([level('A', 10, 1), level('B', 2, 0)]);
  });

  it('shipment takes the units off hand and out of reserved; available is unchanged', () => {
    const after = shipLevels([line('A', 1), line('A', 2)], stock);
    expect(after).toEqual([level('A', 7, 1)]);
    expect(after.map(available)).toEqual([available(stock[0]!)]);
  });

  it.each([
    ['release', releaseLevels],
    ['ship', shipLevels],
  ] as const)('%s refuses more units than are reserved or an unknown SKU (never negative)', (_, f) => {
    expect(() => f([line('A', 5)], stock)).toThrow(RangeError);
    expect(() => f([line('Q', 1)], stock)).toThrow(RangeError);
  });
});

it.each(['SKU-1', 'a.b_c', 'X'])('accepts SKU %p', (s) => expect(SKU_PATTERN.test(s)).toBe(true));
it.each(['', '-x', 'a b', 'é', 'x'.repeat(65)])('refuses SKU %p', (s) => expect(SKU_PATTERN.test(s)).toBe(false));

describe('takeAvailableLevels', () => {
  it('takes each line from on-hand when enough is available, reserved untouched', () => {
    expect(takeAvailableLevels([line('B', 1), line('A', 2)], [level('A', 5, 3), level('B', 1)])).toEqual({
      levels: [level('A', 3, 3), level('B', 0)],
      taken: true,
    });
  });

  it('leaves a line it cannot take (too few available, unknown SKU) and takes the others', () => {
    expect(takeAvailableLevels([line('A', 3), line('B', 1), line('X', 1)], [level('A', 5, 3), level('B', 2)])).toEqual({
      levels: [level('A', 5, 3), level('B', 1)],
      taken: false,
    });
  });
});

describe('StockBook', () => {
  it('carries levels forward: each order is decided against what its predecessors left', () => {
    const book = new StockBook([level('A', 3), level('B', 5)]);
    const first = decideReservation([line('A', 2)], book.levelsOf([line('A', 2)]));
    expect(first.outcome).toBe('RESERVED');
    if (first.outcome === 'RESERVED') book.carry(first.levels);
    const second = decideReservation([line('A', 2)], book.levelsOf([line('A', 2)]));
    expect(second).toEqual({
      outcome: 'REJECTED',
      shortages: [{ sku: 'A', code: 'INSUFFICIENT_STOCK', requested: 2, available: 1 }],
    });
    book.carry(releaseLevels([line('A', 2)], book.levelsOf([line('A', 1)])));
    book.carry(shipLevels([line('B', 1)], [level('B', 5, 1)]));
    expect(book.changed()).toEqual([level('B', 4, 0)]); // A is back where it was locked: nothing to write
  });

  it('gives only known SKUs, once each, and refuses to carry a SKU that was not locked', () => {
    const book = new StockBook([level('A', 3)]);
    expect(book.levelsOf([line('A', 1), line('X', 1), line('A', 2)])).toEqual([level('A', 3)]);
    expect(() => book.carry([level('X', 1)])).toThrow(/not locked/);
  });
});
