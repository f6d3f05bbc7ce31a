/** What to do after a provider answered a call (or did not). */
export type CallVerdict =
  | { kind: "delivered" }
  /** Try the same call again after `delayMs`; `rateLimited` when the provider said to wait (429). */
  | { kind: "retry"; delayMs: number; reason: string; rateLimited?: boolean }
  /** The integration's configuration is wrong (401, 403): pause it until it changes. */
  | { kind: "misconfigured"; reason: string }
  /** The provider refused the call for good (other 4xx): log its items, never resend them. */
  | { kind: "refused"; reason: string };

/** The headers of a provider's answer, read by name (case-insensitive). */
export type ResponseHeaders = Pick<Headers, "get">;

export type BackoffOptions = { baseMs: number; maxMs: number; random?: () => number };

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000 };

/** Exponential backoff with full jitter: a random delay up to base × 2^attempt, capped. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round((options.random ?? Math.random)() * ceiling);
}

/**
 * When the provider says calls may resume, in epoch ms, from its rate-limit headers:
 * `retry-after` / `x-ratelimit-retry-after` (seconds), else `x-ratelimit-reset` when nothing remains.
 * Braze documents `reset` both as epoch seconds and as seconds to wait: values above 10^9 are epoch.
 */
export function resumeAt(headers: ResponseHeaders, nowMs: number): number | undefined {
  const retryAfter = headers.get("x-ratelimit-retry-after") ?? headers.get("retry-after");
  if (retryAfter !== null && Number.isFinite(Number(retryAfter))) return nowMs + Number(retryAfter) * 1000;
  const reset = headers.get("x-ratelimit-reset");
  if (reset === null || !Number.isFinite(Number(reset))) return undefined;
  const value = Number(reset);
  return value > 1e9 ? value * 1000 : nowMs + value * 1000;
}

/** True when the provider's headers say this window has no calls left. */
export function exhausted(headers: ResponseHeaders): boolean {
  return headers.get("x-ratelimit-remaining") === "0";
}

/**
 * Classifies an HTTP outcome. `attempt` counts the tries of this call so far (0 for the first).
 * 5xx, timeouts and network errors are retried with backoff; 429 waits for what the headers say,
 * else backs off; 401 and 403 are configuration errors; any other 4xx refuses the call's items.
 */
export function verdictOf(
  outcome: { status: number; headers: ResponseHeaders } | { error: string },
  attempt: number,
  nowMs: number,
  backoff: BackoffOptions = DEFAULT_BACKOFF,
): CallVerdict {
  if ("error" in outcome) return { kind: "retry", delayMs: backoffDelay(attempt, backoff), reason: outcome.error };
  const { status, headers } = outcome;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 429) {
    const until = resumeAt(headers, nowMs);
    const delayMs = until === undefined ? backoffDelay(attempt, backoff) : Math.max(0, until - nowMs);
    return { kind: "retry", delayMs, reason: "429 rate limited", rateLimited: true };
  }
  if (status >= 500)
    return { kind: "retry", delayMs: backoffDelay(attempt, backoff), reason: `${status} from provider` };
  if (status === 401 || status === 403)
    return { kind: "misconfigured", reason: `${status}: check the endpoint and key` };
  return { kind: "refused", reason: `${status} from provider` };
}
