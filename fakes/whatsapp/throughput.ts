/**
 * Cloud API throughput: at most `maxPerSecond` messages per business phone number in any rolling
 * second. Refused sends are not counted, so a sender that keeps retrying gets in as the second rolls.
 */
export type Throughput = {
  /** Counts a send at `now` if the phone number has room; false means 130429. */
  tryAcquire(phoneNumberId: string, now: number): boolean;
  reset(): void;
};

const WINDOW_MS = 1_000;

export function createThroughput(maxPerSecond: number): Throughput {
  const sends = new Map<string, number[]>();
  return {
    tryAcquire(phoneNumberId, now) {
      const times = sends.get(phoneNumberId) ?? [];
      const firstInWindow = times.findIndex((time) => time > now - WINDOW_MS);
      const recent = firstInWindow === -1 ? [] : times.slice(firstInWindow);
      if (recent.length >= maxPerSecond) {
        sends.set(phoneNumberId, recent);
        return false;
      }
      recent.push(now);
      sends.set(phoneNumberId, recent);
      return true;
    },
    reset: () => sends.clear(),
  };
}
