import { findDuplicates } from './duplicates';

describe('findDuplicates', () => {
  const receipts = new Map([
    ['<a@x>', [1000]],
    ['<b@x>', [5000, 40000]],
    ['<c@x>', [9000, 7000, 30000]],
  ]);

  it('ignores single deliveries and attributes a resend to a kill between the acceptance and the resend', () => {
    const d = findDuplicates(receipts, [{ at: 5200, what: 'kill' }]);
    expect(d.map((x) => [x.messageId, x.copies, x.attributedTo !== undefined])).toEqual([
      ['<b@x>', 2, true],
      ['<c@x>', 3, false],
    ]);
  });

  it('leaves a duplicate unexplained when no kill falls in its window', () => {
    expect(
      findDuplicates(receipts, [
        { at: 100, what: 'kill' },
        { at: 45000, what: 'kill' },
      ]).every((x) => x.attributedTo === undefined),
    ).toBe(true);
  });

  it('takes the earliest two receipts, whatever their order', () => {
    const [c] = findDuplicates(new Map([['<c@x>', [9000, 7000]]]), [{ at: 6500, what: 'kill' }]);
    expect(c).toMatchObject({ firstAt: 7000, againAt: 9000 });
    expect(c?.attributedTo).toBe('kill -500 ms after the first acceptance');
  });
});
