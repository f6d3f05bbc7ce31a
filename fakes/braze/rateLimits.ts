import type { RateGroup, ResetHeaderForm, ResolvedKey } from "./options.ts";
import { RollingWindow, type WindowVerdict } from "./RollingWindow.ts";

/** One rolling window per key and endpoint group, made on first use from the key's limits. */
export type RateLimiter = {
  acquire(key: ResolvedKey, group: RateGroup, now: number): WindowVerdict;
  reset(): void;
};

export function createRateLimiter(): RateLimiter {
  const windows = new Map<string, RollingWindow>();
  return {
    acquire(key, group, now) {
      const id = `${group}\u0000${key.key}`;
      let window = windows.get(id);
      if (window === undefined) {
        const { limit, windowMs } = key.rateLimits[group];
        window = new RollingWindow(limit, windowMs);
        windows.set(id, window);
      }
      return window.tryAcquire(now);
    },
    reset() {
      windows.clear();
    },
  };
}

/** Headers of an answered call: limit, remaining and reset, lower-case as Braze sends them over HTTP/2. */
export function rateLimitHeaders(
  verdict: Extract<WindowVerdict, { allowed: true }>,
  form: ResetHeaderForm,
  now: number,
): Record<string, string> {
  const reset =
    form === "epoch" ? Math.ceil(verdict.resetAtMs / 1000) : Math.max(1, Math.ceil((verdict.resetAtMs - now) / 1000));
  return {
    "x-ratelimit-limit": String(verdict.limit),
    "x-ratelimit-remaining": String(verdict.remaining),
    "x-ratelimit-reset": String(reset),
  };
}

/** A 429 carries only the wait, in whole seconds (at least one, so clients never spin). */
export function retryAfterHeaders(retryAfterMs: number): Record<string, string> {
  return { "x-ratelimit-retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
}
