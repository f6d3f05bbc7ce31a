import { LRUCache } from "lru-cache";

/** Failed authentications a client may make at once... */
export const AUTH_FAILURE_BURST = 30;
/** ...and then one every this many milliseconds. */
export const AUTH_FAILURE_REFILL_MS = 2_000;
/** Clients remembered at most; the least recently failing are forgotten first (their slate wiped). */
export const AUTH_FAILURE_CLIENTS = 100_000;

export type AuthFailureLimiter = {
  /** Whole seconds until the client may fail again; 0 when it may now. */
  retryAfterSeconds: (client: string) => number;
  /** Counts one failed authentication of the client. */
  failed: (client: string) => void;
};

export type AuthFailureLimits = { burst: number; refillMs: number; clients: number };

/** A token bucket per client (gateway/clientAddress.ts), in bounded memory. */
export function createAuthFailureLimiter(
  limits: AuthFailureLimits = {
    burst: AUTH_FAILURE_BURST,
    refillMs: AUTH_FAILURE_REFILL_MS,
    clients: AUTH_FAILURE_CLIENTS,
  },
  now: () => number = Date.now,
): AuthFailureLimiter {
  // A bucket left alone this long is full again, which is what a forgotten client has.
  const buckets = new LRUCache<string, { tokens: number; at: number }>({
    max: limits.clients,
    ttl: limits.burst * limits.refillMs,
  });
  const tokensOf = (client: string) => {
    const bucket = buckets.get(client);
    if (!bucket) return limits.burst;
    return Math.min(limits.burst, bucket.tokens + (now() - bucket.at) / limits.refillMs);
  };
  return {
    retryAfterSeconds(client) {
      const tokens = tokensOf(client);
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * limits.refillMs) / 1000);
    },
    failed(client) {
      buckets.set(client, { tokens: Math.max(0, tokensOf(client) - 1), at: now() });
    },
  };
}
