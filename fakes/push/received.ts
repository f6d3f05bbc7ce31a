/** Keeps the newest `size` entries (so a benchmark cannot exhaust memory) and an exact count. */
export type Received<T> = {
  add(entry: T): void;
  /** Oldest first; `filter` selects, `limit` keeps the newest. */
  list(filter?: (entry: T) => boolean, limit?: number): T[];
  readonly total: number;
  clear(): void;
};

export function createReceived<T>(size: number): Received<T> {
  let entries: T[] = [];
  let total = 0;
  return {
    add(entry) {
      entries.push(entry);
      total += 1;
      // Trimmed in batches so each add stays O(1) amortised.
      if (entries.length >= size * 2) entries = entries.slice(entries.length - size);
    },
    list(filter, limit) {
      const kept = entries.slice(Math.max(0, entries.length - size));
      const matching = filter === undefined ? kept : kept.filter(filter);
      return structuredClone(limit === undefined ? matching : matching.slice(Math.max(0, matching.length - limit)));
    },
    get total() {
      return total;
    },
    clear() {
      entries = [];
      total = 0;
    },
  };
}

/** Answers per status since start (or reset). */
export type StatusCounts = Record<string, number>;

export function countStatus(counts: StatusCounts, status: number | null): void {
  const key = status === null ? "none" : String(status);
  counts[key] = (counts[key] ?? 0) + 1;
}
