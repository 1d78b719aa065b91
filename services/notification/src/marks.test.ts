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

/** A queue whose marks commit when the test says so (commits.shift()!()). */
function heldQueue(max: number, everyMs: number) {
  const groups: number[][] = [];
  const commits: (() => void)[] = [];
  const q = new MarkQueue<A>({
    max,
    everyMs,
    mark: (group) =>
      new Promise<void>((resolve) => {
        groups.push(group.map((a) => a.id));
        commits.push(resolve);
      }),
  });
  return { q, groups, commits };
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

  it('marks the mails accepted while a group is marked together, once the first of them waited everyMs', async () => {
    const { q, groups, commits } = heldQueue(100, 40);
    q.add(accepted(1));
    await new Promise((r) => setTimeout(r, 60)); // group [1] is being marked
    for (const id of [2, 3, 4]) q.add(accepted(id));
    expect(groups).toEqual([[1]]);
    commits.shift()!(); // [1] committed; 2 waited less than everyMs: [2, 3, 4] is not marked yet, more may join it
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1]]);
    q.add(accepted(5));
    await new Promise((r) => setTimeout(r, 60));
    expect(groups).toEqual([[1], [2, 3, 4, 5]]);
    commits.shift()!();
    await q.flush();
    expect(groups).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('marks what waited longer than everyMs during a slow mark right after it, and a full group at once', async () => {
    const { q, groups, commits } = heldQueue(3, 20);
    for (const id of [1, 2, 3]) q.add(accepted(id)); // full: marked at once, without the wait
    expect(groups).toEqual([[1, 2, 3]]);
    q.add(accepted(4));
    await new Promise((r) => setTimeout(r, 60)); // the mark takes longer than everyMs
    expect(groups).toEqual([[1, 2, 3]]); // one group at a time
    commits.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1, 2, 3], [4]]); // 4 waited long enough: no second wait
    for (const id of [5, 6, 7, 8]) q.add(accepted(id));
    commits.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1, 2, 3], [4], [5, 6, 7]]); // full after the commit: at once, 8 stays for the next
    commits.shift()!();
    await new Promise((r) => setTimeout(r, 40)); // 8 marked everyMs after 5 was accepted, at the latest
    expect(groups).toEqual([[1, 2, 3], [4], [5, 6, 7], [8]]);
    commits.shift()!();
    await q.flush();
    expect(groups).toEqual([[1, 2, 3], [4], [5, 6, 7], [8]]);
  });
});
