/**
 * Customer service windows: a user's inbound message lets the business send free-form messages to
 * that user, from that phone number, for the next 24 hours; outside it only templates go (131047).
 */
export type ServiceWindows = {
  /** The user wrote to the business number at `time`. */
  open(phoneNumberId: string, waId: string, time: number): void;
  isOpen(phoneNumberId: string, waId: string, now: number): boolean;
  clear(): void;
};

export function createServiceWindows(windowMs: number): ServiceWindows {
  const lastInbound = new Map<string, number>();
  const keyOf = (phoneNumberId: string, waId: string) => `${phoneNumberId}\u0000${waId}`;
  return {
    open(phoneNumberId, waId, time) {
      const key = keyOf(phoneNumberId, waId);
      lastInbound.set(key, Math.max(time, lastInbound.get(key) ?? time));
    },
    isOpen(phoneNumberId, waId, now) {
      const time = lastInbound.get(keyOf(phoneNumberId, waId));
      return time !== undefined && now - time < windowMs;
    },
    clear: () => lastInbound.clear(),
  };
}
