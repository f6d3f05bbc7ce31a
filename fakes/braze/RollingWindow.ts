/** The outcome of one call against a window. */
export type WindowVerdict =
  | { allowed: true; limit: number; remaining: number; resetAtMs: number }
  | { allowed: false; limit: number; retryAfterMs: number };

/**
 * An exact rolling window: a call at time t is allowed when fewer than `limit` allowed calls lie in
 * (t - windowMs, t]. The timestamps of those calls sit in a ring buffer, so each call costs O(1)
 * amortised however hard a benchmark drives it. Refused calls are not recorded: a client that keeps
 * knocking still gets in once the oldest calls age out.
 */
export class RollingWindow {
  readonly limit: number;
  readonly windowMs: number;
  #times: Float64Array;
  #head = 0;
  #size = 0;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
    // Grown on demand, so a huge limit (effectively "no limit") costs nothing up front.
    this.#times = new Float64Array(Math.max(1, Math.min(limit, 64)));
  }

  /** Counts a call at `now` if the window has room. `now` must not go backwards. */
  tryAcquire(now: number): WindowVerdict {
    this.#evictUpTo(now - this.windowMs);
    if (this.#size >= this.limit) {
      const oldest = this.#size > 0 ? this.#oldest() : now;
      return { allowed: false, limit: this.limit, retryAfterMs: oldest + this.windowMs - now };
    }
    this.#push(now);
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - this.#size,
      resetAtMs: this.#oldest() + this.windowMs,
    };
  }

  /** Calls counted in the window ending at `now`. */
  used(now: number): number {
    this.#evictUpTo(now - this.windowMs);
    return this.#size;
  }

  #oldest(): number {
    return this.#times[this.#head] ?? 0;
  }

  #evictUpTo(cutoff: number): void {
    const capacity = this.#times.length;
    while (this.#size > 0 && this.#oldest() <= cutoff) {
      this.#head = (this.#head + 1) % capacity;
      this.#size -= 1;
    }
  }

  #push(time: number): void {
    if (this.#size === this.#times.length) this.#grow();
    this.#times[(this.#head + this.#size) % this.#times.length] = time;
    this.#size += 1;
  }

  #grow(): void {
    const old = this.#times;
    const grown = new Float64Array(Math.min(this.limit, old.length * 2));
    for (let i = 0; i < this.#size; i += 1) grown[i] = old[(this.#head + i) % old.length] ?? 0;
    this.#times = grown;
    this.#head = 0;
  }
}
