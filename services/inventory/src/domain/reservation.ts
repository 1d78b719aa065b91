/** What the stock table holds for one SKU. available = onHand - reserved, never negative. */
export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
}

/** Units of one SKU held (or released, or shipped) for an order. */
export interface StockLine {
  sku: string;
  quantity: number;
}

/** A line that could not be reserved, as it travels in inventory.rejected. */
export interface Shortage {
  sku: string;
  code: 'UNKNOWN_SKU' | 'INSUFFICIENT_STOCK';
  requested: number;
  available: number;
}

export type ReservationDecision =
  { outcome: 'RESERVED'; lines: StockLine[]; levels: StockLevel[] } | { outcome: 'REJECTED'; shortages: Shortage[] };

/** SKUs the HTTP API and the seed accept: what a warehouse label holds. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const available = (s: StockLevel): number => s.onHand - s.reserved;

/** The SKUs that these reservations' lines name (the stock rows they hold). */
export const skusOf = (reservations: readonly { lines: readonly StockLine[] }[]): string[] =>
  reservations.flatMap((r) => r.lines.map((l) => l.sku));

/**
 * Order lines summed per SKU, sorted by SKU (the lock order). An order may name one SKU on several lines; stock is
 * checked against the total, not line by line.
 */
export function aggregateLines(lines: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of lines) {
    if (!Number.isSafeInteger(quantity) || quantity <= 0) {
      throw new RangeError(`quantity ${quantity} of ${sku} is not a positive integer`);
    }
    totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  }
  return [...totals]
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/**
 * Every line or none: when each SKU is known and has enough available units, the new levels with the order's
 * quantities reserved; otherwise every shortage, so the customer learns everything at once.
 */
export function decideReservation(lines: readonly StockLine[], stock: readonly StockLevel[]): ReservationDecision {
  const bySku = new Map(stock.map((s) => [s.sku, s]));
  const wanted = aggregateLines(lines);
  const shortages: Shortage[] = [];
  const levels: StockLevel[] = [];
  for (const { sku, quantity } of wanted) {
    const level = bySku.get(sku);
    if (!level) {
      shortages.push({ sku, code: 'UNKNOWN_SKU', requested: quantity, available: 0 });
    } else if (available(level) < quantity) {
      shortages.push({ sku, code: 'INSUFFICIENT_STOCK', requested: quantity, available: available(level) });
    } else {
      levels.push({ ...level, reserved: level.reserved + quantity });
    }
  }
  return shortages.length ? { outcome: 'REJECTED', shortages } : { outcome: 'RESERVED', lines: wanted, levels };
}

/** A released reservation: its units go back to available stock. */
export function releaseLevels(lines: readonly StockLine[], stock: readonly StockLevel[]): StockLevel[] {
  return adjust(lines, stock, (s, q) => ({ ...s, reserved: s.reserved - q }));
}

/** A shipped reservation: its units leave the building, so they are neither on hand nor reserved any more. */
export function shipLevels(lines: readonly StockLine[], stock: readonly StockLevel[]): StockLevel[] {
  return adjust(lines, stock, (s, q) => ({ ...s, onHand: s.onHand - q, reserved: s.reserved - q }));
}

function adjust(
  lines: readonly StockLine[],
  stock: readonly StockLevel[],
  f: (s: StockLevel, q: number) => StockLevel,
) {
  const bySku = new Map(stock.map((s) => [s.sku, s]));
  return aggregateLines(lines).map(({ sku, quantity }) => {
    const level = bySku.get(sku);
    // A reservation's units are in `reserved` until released or shipped; anything else is a broken invariant.
    if (!level || level.reserved < quantity) {
      throw new RangeError(
        `${sku}: ${quantity} units are not reserved (reserved: ${level?.reserved ?? 'unknown SKU'})`,
      );
    }
    return f(level, quantity);
  });
}

/**
 * Takes shipped units out of available stock (on hand less reserved) for a reservation that no longer holds them,
 * line by line in SKU order; a line whose SKU is unknown or has too few available units is not taken (available
 * never goes negative). `taken` says whether every line was.
 */
export function takeAvailableLevels(
  lines: readonly StockLine[],
  stock: readonly StockLevel[],
): { levels: StockLevel[]; taken: boolean } {
  const bySku = new Map(stock.map((s) => [s.sku, s]));
  let taken = true;
  for (const { sku, quantity } of [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))) {
    const level = bySku.get(sku);
    if (level && available(level) >= quantity) bySku.set(sku, { ...level, onHand: level.onHand - quantity });
    else taken = false;
  }
  const skus = new Set(lines.map((l) => l.sku));
  return { levels: [...bySku.values()].filter((l) => skus.has(l.sku)), taken };
}

/**
 * The stock levels of a batch, carried forward decision by decision: each order of the batch is decided against the
 * levels its predecessors left, exactly as if they had been handled one after another, and the batch writes only the
 * difference between the levels it locked and the levels it ends with.
 */
export class StockBook {
  private readonly before: ReadonlyMap<string, StockLevel>;
  private readonly current: Map<string, StockLevel>;
  private readonly touched = new Set<string>();

  constructor(readonly locked: readonly StockLevel[]) {
    this.before = new Map(locked.map((s) => [s.sku, s]));
    this.current = new Map(this.before);
  }

  /** The current levels of the SKUs of these lines (unknown SKUs are absent, as lockStock leaves them). */
  levelsOf(lines: readonly StockLine[]): StockLevel[] {
    const out: StockLevel[] = [];
    for (const sku of new Set(lines.map((l) => l.sku))) {
      const level = this.current.get(sku);
      if (level) out.push(level);
    }
    return out;
  }

  /** Carries new levels forward; a SKU that was not locked is a bug in the caller. */
  carry(levels: readonly StockLevel[]): void {
    for (const level of levels) {
      if (!this.current.has(level.sku)) throw new Error(`stock of ${level.sku} was not locked`);
      this.current.set(level.sku, level);
      this.touched.add(level.sku);
    }
  }

  /** The final levels of the SKUs that changed, to apply against `locked`. */
  changed(): StockLevel[] {
    return [...this.touched]
      .sort()
      .map((sku) => this.current.get(sku)!)
      .filter((l) => {
        const b = this.before.get(l.sku)!;
        return b.onHand !== l.onHand || b.reserved !== l.reserved;
      });
  }
}
