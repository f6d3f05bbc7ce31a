import { LeaseLapsedError } from "./leaseLapsedError.ts";
import type { AnswerClass } from "./provider.ts";
import type { BackoffOptions } from "./retryPolicy.ts";
import type { RollingLimiter } from "./rollingLimiter.ts";

/**
 * The integration's configuration is wrong (401/403), or the provider asked to be sent nothing
 * more (a webhook's 410): it pauses, FAILING or DISABLED, until someone changes it.
 */
export class MisconfiguredError extends Error {
  override name = "MisconfiguredError";
  readonly status: "FAILING" | "DISABLED";
  constructor(message: string, status: "FAILING" | "DISABLED" = "FAILING") {
    super(message);
    this.status = status;
  }
}

/** How one call ended: answered (perhaps refusing some of its items), refused for good, or refused as too large. */
export type CallEnd =
  | Extract<AnswerClass, { kind: "delivered" }>
  | Extract<AnswerClass, { kind: "refused" }>
  | { kind: "tooLarge" };

export type DeliveryDependencies = {
  limiter: RollingLimiter;
  backoff: BackoffOptions;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** True while this process's lease on the integration holds (worker.ts). */
  holds: () => boolean;
  /** Called each time the call has to be tried again (the integration is DEGRADED meanwhile). */
  onRetry: (reason: string) => void;
  /** Told how every try was answered (operations figures). */
  onTried?: (verdict: AnswerClass["kind"]) => void;
};

/** The provider's classifier, bound to nothing but the answer and the try it answers. */
export type Classify<Answer> = (answer: Answer, attempt: number, nowMs: number, backoff: BackoffOptions) => AnswerClass;

/**
 * Sends one call until it ends: each try waits its turn in the rate limiter; what the provider's
 * classifier calls `retry` is tried again after its delay (a rate-limited one holds every call);
 * an answer saying the account's calls are used up by someone else holds the limiter until they
 * come back. Throws MisconfiguredError when the classifier says the configuration is wrong, and
 * LeaseLapsedError, sending nothing, when a try's turn comes after the integration's lease ended.
 */
export async function deliverCall<Answer>(
  send: () => Promise<Answer>,
  classify: Classify<Answer>,
  signal: AbortSignal,
  deps: DeliveryDependencies,
): Promise<CallEnd> {
  for (let attempt = 0; ; attempt++) {
    signal.throwIfAborted();
    const place = await deps.limiter.acquire();
    // After every wait (its customer's turn, the limiter, a backoff): a process that stalled past
    // its lease would otherwise send alongside the lease's next holder.
    if (!deps.holds()) {
      place.answered();
      throw new LeaseLapsedError("the integration's lease ended before the call was sent; its next holder sends it");
    }
    let answer: Answer;
    try {
      answer = await send();
    } finally {
      place.answered();
    }
    const nowMs = deps.now();
    const verdict = classify(answer, attempt, nowMs, deps.backoff);
    deps.onTried?.(verdict.kind);
    // Nothing left while our own starts do not fill the window: someone else spends this account's
    // calls, so wait for its reset. When ours fill it, the limiter already waits exactly as long
    // as needed, and the reset (whole seconds) would hold every call up to a second longer.
    if (verdict.holdUntil !== undefined && !deps.limiter.saturated()) deps.limiter.pauseUntil(verdict.holdUntil);
    switch (verdict.kind) {
      case "tooLarge":
        return { kind: "tooLarge" };
      case "delivered":
        return verdict;
      case "retry":
        // Every call waits out a 429, not only this one.
        if (verdict.rateLimited) deps.limiter.pauseUntil(nowMs + verdict.delayMs);
        deps.onRetry(verdict.reason);
        await deps.sleep(verdict.delayMs, signal);
        break;
      case "misconfigured":
        throw new MisconfiguredError(verdict.reason, verdict.disable ? "DISABLED" : "FAILING");
      case "refused":
        return verdict;
    }
  }
}
