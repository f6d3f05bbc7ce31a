/** One call as the fake saw it; `status` is null for a call it never answered (timeout fault). */
export type FakeBrazeRequest = {
  method: string;
  path: string;
  /** The bearer token presented, known or not. */
  key: string | undefined;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  status: number | null;
  /** Arrival, by the fake's clock (epoch ms). */
  time: number;
};

export type RequestFilter = { path?: string; key?: string; limit?: number };

/** Counters over every call since start (or reset), however many the log still holds. */
export type RequestStats = {
  total: number;
  /** Calls per path. */
  calls: Record<string, number>;
  /** Answers per status code; unanswered calls are counted under "none". */
  statuses: Record<string, number>;
  /** 429 answers, from the rate limiter or forced. */
  rateLimited: number;
};

export type RequestLog = {
  record(request: FakeBrazeRequest): void;
  /** Oldest first; `limit` keeps the newest. */
  list(filter?: RequestFilter): FakeBrazeRequest[];
  stats(): RequestStats;
  clear(): void;
};

/** Keeps the newest `size` requests (so a benchmark cannot exhaust memory) and exact counters. */
export function createRequestLog(size: number): RequestLog {
  let entries: FakeBrazeRequest[] = [];
  let stats = emptyStats();
  return {
    record(request) {
      entries.push(request);
      // Trimmed in batches so each record stays O(1) amortised.
      if (entries.length >= size * 2) entries = entries.slice(entries.length - size);
      stats.total += 1;
      stats.calls[request.path] = (stats.calls[request.path] ?? 0) + 1;
      const status = request.status === null ? "none" : String(request.status);
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (request.status === 429) stats.rateLimited += 1;
    },
    list(filter = {}) {
      const kept = entries.slice(Math.max(0, entries.length - size));
      const matching = kept.filter(
        (entry) =>
          (filter.path === undefined || entry.path === filter.path) &&
          (filter.key === undefined || entry.key === filter.key),
      );
      const newest =
        filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit));
      return structuredClone(newest);
    },
    stats: () => structuredClone(stats),
    clear() {
      entries = [];
      stats = emptyStats();
    },
  };
}

function emptyStats(): RequestStats {
  return { total: 0, calls: {}, statuses: {}, rateLimited: 0 };
}
