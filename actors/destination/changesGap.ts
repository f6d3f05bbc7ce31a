/** Facts an integration's consumer would resume past: CHANGES no longer holds them (its retention, 7 days). */
export type ChangesGap = { firstLost: number; lastLost: number };

/** How far an integration synced: the last CHANGES sequence (0: none yet), and since when it syncs. */
export type SyncedSoFar = { synced: number; since: Date };

/** The oldest fact CHANGES still holds: its sequence and when it was stored. */
export type StreamStart = { firstSeq: number; firstAt: Date };

/**
 * Whether facts the integration has not synced are gone from CHANGES. Having synced some, the facts
 * after them are gone when the stream now starts later. With none synced, they are when the
 * stream's oldest fact is newer than `since` and older ones were removed. Conservative: the
 * integration reads only its account's facts, and the ones removed may all have been another
 * account's (or older than `since`); a resync then sends what the provider has already.
 */
export function findChangesGap(start: SyncedSoFar, stream: StreamStart): ChangesGap | undefined {
  if (start.synced > 0) {
    return stream.firstSeq > start.synced + 1
      ? { firstLost: start.synced + 1, lastLost: stream.firstSeq - 1 }
      : undefined;
  }
  return stream.firstSeq > 1 && stream.firstAt.getTime() > start.since.getTime()
    ? { firstLost: 1, lastLost: stream.firstSeq - 1 }
    : undefined;
}
