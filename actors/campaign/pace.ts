/** What a running campaign may do next: publish this many send requests now, or wait. */
export type PaceDecision = { publish: number } | { waitMs: number };

export type PaceInput = {
  /** Targets read and not yet asked for: the most that may go now. */
  ready: number;
  /** The campaign's `maxPerMinute`, when it has one. */
  maxPerMinute?: number;
  /** Requests published since pacing began (this runner's start), and when it began (epoch ms). */
  published: number;
  since: number;
  now: number;
  /** Requests asked for whose outcome is not counted yet, and the most there may be. */
  inFlight: number;
  maxInFlight: number;
  /** How long to wait before looking again when outcomes are awaited. */
  recheckMs: number;
};

/**
 * Paces a campaign: at most `maxPerMinute` requests a minute, spread evenly (the first goes at
 * once), and never more than `maxInFlight` without an outcome, so that a campaign neither floods
 * its customers' partitions ahead of the channel's rate nor leaves much to go out once cancelled.
 */
export function nextRequests(input: PaceInput): PaceDecision {
  const room = input.maxInFlight - input.inFlight;
  if (room <= 0) return { waitMs: input.recheckMs };
  let allowed = input.ready;
  if (input.maxPerMinute !== undefined) {
    const elapsed = input.now - input.since;
    const due = Math.floor((elapsed * input.maxPerMinute) / 60_000) + 1;
    allowed = due - input.published;
    if (allowed <= 0) {
      const nextAt = Math.ceil((input.published * 60_000) / input.maxPerMinute);
      return { waitMs: Math.max(1, nextAt - elapsed) };
    }
  }
  return { publish: Math.min(input.ready, room, allowed) };
}
