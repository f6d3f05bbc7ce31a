/**
 * At most `limit` sends per key in any rolling `windowMs`: Cloud API throughput (per phone number
 * id, per second) and the business–user pair rate limit. Refused sends are not counted, so a sender
 * that keeps retrying gets in as the window rolls.
 */
export type RollingLimit = {
  /** Counts a send at `now` if the key has room; false means refused. */
  tryAcquire(key: string, now: number): boolean;
  reset(): void;
};

export function createRollingLimit(limit: number, windowMs: number): RollingLimit {
  const sends = new Map<string, number[]>();
  return {
    tryAcquire(key, now) {
      const times = sends.get(key) ?? [];
      const firstInWindow = times.findIndex((time) => time > now - windowMs);
      const recent = firstInWindow === -1 ? [] : times.slice(firstInWindow);
      sends.set(key, recent);
      if (recent.length >= limit) return false;
      recent.push(now);
      return true;
    },
    reset: () => sends.clear(),
  };
}
