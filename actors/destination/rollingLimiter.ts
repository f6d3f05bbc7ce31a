/**
 * At most `limit` calls in any rolling `windowMs`, as the provider counts them: Braze counts a
 * /users/track call when it arrives (3,000 per 3 s), and we cannot see that moment, only that it
 * lies between the call's start and its answer. So each call holds one of `limit` places from its
 * start until `windowMs` after its answer, and a call starts only once a place is free: however
 * the network or the provider delays calls, any `limit + 1` of them arrive more than `windowMs`
 * apart, and a limiter that agrees with the provider never draws a 429. A slow answer costs its
 * place that much longer (an answer in 100 ms: 3 % of a 3 s window). Bottleneck's reservoir
 * refreshes in fixed steps and starts at most ~400 jobs/s on a 2-core machine (measured), below Braze's 1,000.
 */
export type RollingLimiter = {
  /**
   * Resolves when a call may start now, holding its place; call `answered` when its answer (or
   * its failure) comes, from which the place is held `windowMs` more.
   */
  acquire: () => Promise<{ answered: () => void }>;
  /** Holds every start until `untilMs` (a provider's reset or retry-after). */
  pauseUntil: (untilMs: number) => void;
  /** True when every place is taken: the next call has to wait. */
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
  /**
   * The places, in the order calls took them: when each is free again (epoch ms), or, while its
   * call awaits an answer, when that answer comes. The next call takes the oldest place.
   */
  const freeAt: (number | Promise<number>)[] = new Array(options.limit).fill(Number.NEGATIVE_INFINITY);
  let next = 0;
  let pausedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const take = async () => {
    const place = next;
    const free = await freeAt[place];
    for (;;) {
      const wait = Math.max(pausedUntil, free ?? 0) - now();
      if (wait <= 0) break;
      await sleep(wait);
    }
    let answered: () => void = () => {};
    const pending = new Promise<number>((resolve) => {
      answered = () => {
        const at = now() + options.windowMs;
        if (freeAt[place] === pending) freeAt[place] = at;
        resolve(at);
      };
    });
    freeAt[place] = pending;
    next = (next + 1) % options.limit;
    return { answered };
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
    saturated() {
      const free = freeAt[next];
      return typeof free !== "number" || free > now();
    },
  };
}
