/** How a run of order.created events (offset order) reads when handled one after another. */
export interface Submissions {
  /** Per event: whether it is the first of its order id in the run (only a first can be a new order). */
  first: boolean[];
  /** Per order id: how many more times it was submitted later in the run. */
  repeats: Map<string, number>;
}

/** An order id submitted again is not a new order: only its first submission in a run is decided. */
export function submissions(orderIds: readonly string[]): Submissions {
  const repeats = new Map<string, number>();
  const first = orderIds.map((id) => {
    const seen = repeats.get(id);
    repeats.set(id, seen === undefined ? 0 : seen + 1);
    return seen === undefined;
  });
  return { first, repeats };
}
