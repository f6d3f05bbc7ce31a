/** One call as the fake saw it; `status` is null for a call it never answered (timeout fault). */
export type FakeWhatsAppRequest = {
  method: string;
  path: string;
  /** The bearer token presented, known or not. */
  token: string | undefined;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  status: number | null;
  /** The Cloud API error code answered, if any. */
  errorCode: number | null;
  /** Arrival, by the fake's clock (epoch ms). */
  time: number;
};

/** Counters over every call since start (or reset), however many the log still holds. */
export type FakeWhatsAppStats = {
  requests: number;
  /** Messages accepted (answered with a wamid). */
  accepted: number;
  /** Answers per HTTP status; unanswered calls are counted under "none". */
  statuses: Record<string, number>;
  /** Answers per Cloud API error code. */
  errors: Record<string, number>;
  /** 130429 answers, from the throughput limit or forced. */
  rateLimited: number;
};

export type RequestLog = {
  record(request: FakeWhatsAppRequest): void;
  /** Oldest first; `limit` keeps the newest. */
  list(limit?: number): FakeWhatsAppRequest[];
  stats(): FakeWhatsAppStats;
  clear(): void;
};

const RATE_LIMIT_HIT = 130429;

/** Keeps the newest `size` requests (so a benchmark cannot exhaust memory) and exact counters. */
export function createRequestLog(size: number): RequestLog {
  let entries: FakeWhatsAppRequest[] = [];
  let stats = emptyStats();
  return {
    record(request) {
      entries.push(request);
      // Trimmed in batches so each record stays O(1) amortised.
      if (entries.length >= size * 2) entries = entries.slice(entries.length - size);
      stats.requests += 1;
      const status = request.status === null ? "none" : String(request.status);
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (request.status === 200) stats.accepted += 1;
      if (request.errorCode !== null) {
        const code = String(request.errorCode);
        stats.errors[code] = (stats.errors[code] ?? 0) + 1;
      }
      if (request.errorCode === RATE_LIMIT_HIT) stats.rateLimited += 1;
    },
    list(limit) {
      const kept = entries.slice(Math.max(0, entries.length - size));
      return structuredClone(limit === undefined ? kept : kept.slice(Math.max(0, kept.length - limit)));
    },
    stats: () => structuredClone(stats),
    clear() {
      entries = [];
      stats = emptyStats();
    },
  };
}

function emptyStats(): FakeWhatsAppStats {
  return { requests: 0, accepted: 0, statuses: {}, errors: {}, rateLimited: 0 };
}
