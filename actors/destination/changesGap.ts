/** Facts an integration's consumer would resume past: CHANGES no longer holds them (its retention, 7 days). */
export type ChangesGap = { firstLost: number; lastLost: number };

/** Where an integration's consumer starts: right after its ack floor, or at `since` when nothing was acked. */
export type ConsumerStart = { ackFloor: number; since: Date };

/** The oldest fact CHANGES still holds: its sequence and when it was stored. */
export type StreamStart = { firstSeq: number; firstAt: Date };

/**
 * Whether facts the integration has not synced are gone from CHANGES. With an ack floor, the facts
 * after it are gone when the stream now starts later. With nothing acked, they are when the
 * stream's oldest fact is newer than `since` and older ones were removed. Conservative: the
 * integration reads only its account's facts, and the ones removed may all have been another
 * account's (or older than `since`); a resync then sends what the provider has already.
 */
export function findChangesGap(start: ConsumerStart, stream: StreamStart): ChangesGap | undefined {
  if (start.ackFloor > 0) {
    return stream.firstSeq > start.ackFloor + 1
      ? { firstLost: start.ackFloor + 1, lastLost: stream.firstSeq - 1 }
      : undefined;
  }
  return stream.firstSeq > 1 && stream.firstAt.getTime() > start.since.getTime()
    ? { firstLost: 1, lastLost: stream.firstSeq - 1 }
    : undefined;
}
