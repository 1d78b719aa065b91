import { MarkQueue } from './marks';

type A = { id: number; acceptedAt: number };
const accepted = (id: number): A => ({ id, acceptedAt: Date.now() });

function queue(max: number, everyMs: number) {
  const groups: number[][] = [];
  let marking = 0;
  let overlapped = false;
  const q = new MarkQueue<A>({
    max,
    everyMs,
    mark: async (group) => {
      overlapped ||= marking > 0;
      marking += 1;
      await new Promise((r) => setTimeout(r, 5));
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
});
