import { submissions } from './submissions';

describe('submissions', () => {
  it('marks the first submission of each order id and counts the later ones', () => {
    const s = submissions(['a', 'b', 'a', 'c', 'a', 'b']);
    expect(s.first).toEqual([true, true, false, true, false, false]);
    expect(s.repeats).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
        ['c', 0],
      ]),
    );
  });

  it('reads an empty run as nothing', () => {
    expect(submissions([])).toEqual({ first: [], repeats: new Map() });
  });
});
