import { MarkQueue } from './marks';

type A = { id: number };
const accepted = (id: number): A => ({ id });

function queue(max: number, everyMs: number, markMs = 5) {
  const groups: number[][] = [];
  let marking = 0;
  let overlapped = false;
  const q = new MarkQueue<A>({
    max,
    everyMs,
    mark: async (group) => {
      overlapped ||= marking > 0;
      marking += 1;
      await new Promise((r) => setTimeout(r, markMs));
      groups.push(group.map((a) => a.id));
      marking -= 1;
    },
  });
  return { q, groups, overlapped: () => overlapped };
}

describe('MarkQueue', () => {
  it('marks a group as soon as it is full, one group after another', async () => {
    const { q, groups, overlapped } = queue(2, 10_000);
    for (const id of [1, 2, 3, 4, 5]) q.add(accepted(id));
    await q.flush();
    expect(groups).toEqual([[1, 2], [3, 4], [5]]);
    expect(overlapped()).toBe(false);
  });

  it('marks a group that is not full once its first mail waited everyMs', async () => {
    const { q, groups } = queue(100, 20);
    q.add(accepted(1));
    q.add(accepted(2));
    await new Promise((r) => setTimeout(r, 60));
    expect(groups).toEqual([[1, 2]]);
    await q.flush(); // nothing waits: no empty group
    expect(groups).toEqual([[1, 2]]);
  });

  it('marks the mails accepted while a group is marked together, right after it', async () => {
    const groups: number[][] = [];
    const commits: (() => void)[] = [];
    const q = new MarkQueue<A>({
      max: 100,
      everyMs: 60_000, // only the first group waits for it: here, flush() starts it
      mark: (group) =>
        new Promise<void>((resolve) => {
          groups.push(group.map((a) => a.id));
          commits.push(resolve);
        }),
    });
    q.add(accepted(1));
    const flushed = q.flush(); // group [1] is being marked
    for (const id of [2, 3, 4]) q.add(accepted(id));
    expect(groups).toEqual([[1]]);
    commits.shift()!(); // [1] committed: [2, 3, 4] at once, without a wait of its own
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1], [2, 3, 4]]);
    commits.shift()!();
    await flushed;
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });
});
