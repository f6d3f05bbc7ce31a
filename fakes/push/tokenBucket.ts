/** At most `limit` sends per `windowMs`, refilled smoothly. */
export type RateLimit = { limit: number; windowMs: number };

export type BucketVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * A token bucket: full at `limit`, refilled at limit/windowMs per ms. Providers publish their push
 * quotas as sustained rates with bursts allowed, which a bucket models closer than a hard window.
 */
export class TokenBucket {
  readonly #limit: number;
  readonly #perMs: number;
  #tokens: number;
  #at: number;

  constructor(rate: RateLimit, now: number) {
    this.#limit = rate.limit;
    this.#perMs = rate.limit / rate.windowMs;
    this.#tokens = rate.limit;
    this.#at = now;
  }

  take(now: number): BucketVerdict {
    this.#tokens = Math.min(this.#limit, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = Math.max(this.#at, now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: (1 - this.#tokens) / this.#perMs };
  }
}

/** Whole seconds to wait, at least one, so a client honouring it never spins. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
