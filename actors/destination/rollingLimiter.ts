/**
 * At most `limit` starts in any rolling `windowMs`, exactly: a start at time t counts against
 * every start in (t − windowMs, t]. This is how Braze counts /users/track calls (3,000 per 3 s),
 * so a limiter that agrees with it never draws a 429. Bottleneck's reservoir refreshes in fixed
 * steps and starts at most ~400 jobs/s here (STACK.md), below Braze's 1,000 calls/s.
 */
export type RollingLimiter = {
  /** Resolves when a call may start now, and counts it. */
  acquire: () => Promise<void>;
  /** Holds every start until `untilMs` (a provider's reset or retry-after). */
  pauseUntil: (untilMs: number) => void;
  /** True when every start the window allows is taken: the next one has to wait. */
  saturated: () => boolean;
};

export type RollingLimiterOptions = {
  limit: number;
  windowMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export function createRollingLimiter(options: RollingLimiterOptions): RollingLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // A ring of the last `limit` start times: the oldest is the one the next start must outlive.
  const starts = new Float64Array(options.limit).fill(Number.NEGATIVE_INFINITY);
  let next = 0;
  let pausedUntil = 0;
  let queue: Promise<void> = Promise.resolve();

  const take = async () => {
    for (;;) {
      const at = now();
      const wait = Math.max(pausedUntil - at, (starts[next] ?? 0) + options.windowMs - at);
      if (wait <= 0) {
        starts[next] = at;
        next = (next + 1) % options.limit;
        return;
      }
      await sleep(wait);
    }
  };

  return {
    acquire() {
      // Callers are served in order: each waits for the one before it.
      const turn = queue.then(take);
      queue = turn;
      return turn;
    },
    pauseUntil(untilMs) {
      pausedUntil = Math.max(pausedUntil, untilMs);
    },
    saturated: () => (starts[next] ?? 0) + options.windowMs > now(),
  };
}
