import { type BackoffOptions, exhausted, resumeAt, verdictOf } from "../retryPolicy.ts";
import type { RollingLimiter } from "../rollingLimiter.ts";
import { type BrazeResponse, isTooLong } from "./brazeClient.ts";

/** The integration's configuration is wrong (401/403): it pauses until someone changes it. */
export class MisconfiguredError extends Error {
  override name = "MisconfiguredError";
}

/** How one call ended: answered (2xx), refused for good, or refused as having too many objects. */
export type CallEnd =
  | { kind: "answered"; response: Extract<BrazeResponse, { status: number }> }
  | { kind: "refused"; status: number; message: string }
  | { kind: "tooLong" };

export type DeliveryDependencies = {
  limiter: RollingLimiter;
  backoff: BackoffOptions;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called when a call has to be retried (the integration is DEGRADED) and when one succeeds. */
  onRetry: (reason: string) => void;
  onAnswered: () => void;
};

/**
 * Sends one call until it ends: each try waits its turn in the rate limiter; 5xx, timeouts,
 * network errors and 429 are retried (429 after what the headers say); a response saying the
 * window is used up by someone else holds the limiter until its reset. Throws MisconfiguredError
 * on 401/403.
 */
export async function deliverCall(
  send: () => Promise<BrazeResponse>,
  signal: AbortSignal,
  deps: DeliveryDependencies,
): Promise<CallEnd> {
  for (let attempt = 0; ; attempt++) {
    signal.throwIfAborted();
    const place = await deps.limiter.acquire();
    let response: BrazeResponse;
    try {
      response = await send();
    } finally {
      place.answered();
    }
    const nowMs = deps.now();
    // Nothing left while our own starts do not fill the window: someone else spends this account's
    // calls, so wait for its reset. When ours fill it, the limiter already waits exactly as long
    // as needed, and the reset (whole seconds) would hold every call up to a second longer.
    if ("status" in response && exhausted(response.headers) && !deps.limiter.saturated()) {
      const until = resumeAt(response.headers, nowMs);
      if (until !== undefined) deps.limiter.pauseUntil(until);
    }
    if (isTooLong(response)) return { kind: "tooLong" };
    const verdict = verdictOf(response, attempt, nowMs, deps.backoff);
    switch (verdict.kind) {
      case "delivered":
        deps.onAnswered();
        return { kind: "answered", response: response as Extract<BrazeResponse, { status: number }> };
      case "retry":
        // Every call waits out a 429, not only this one.
        if (verdict.rateLimited) deps.limiter.pauseUntil(nowMs + verdict.delayMs);
        deps.onRetry(verdict.reason);
        await deps.sleep(verdict.delayMs, signal);
        break;
      case "misconfigured":
        throw new MisconfiguredError(verdict.reason);
      case "refused": {
        const status = "status" in response ? response.status : 0;
        const message = "status" in response ? (response.body.message ?? verdict.reason) : verdict.reason;
        return { kind: "refused", status, message };
      }
    }
  }
}
