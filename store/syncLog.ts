import { randomBytes } from "node:crypto";
import type { Db } from "mongodb";

/**
 * One item an integration could not deliver, for good: Braze refused it (its message kept), or the
 * provider refused the whole call with a permanent error. Never retried; readable through `syncLog`.
 */
export type SyncLogEntry = {
  _id: string;
  integrationId: string;
  account: string;
  customerId: string;
  /** What the item was: `attributes`, `events`, `purchases` or `delete`. */
  item: string;
  /** The fact it came from and its part within that fact. */
  factId: string;
  part: number;
  httpStatus: number;
  message: string;
  at: Date;
};

export type SyncLog = {
  record: (entries: Omit<SyncLogEntry, "_id" | "at">[]) => Promise<void>;
  /** Newest first; `after` is the `_id` of the last entry of the previous page. */
  page: (integrationId: string, first: number, after?: string) => Promise<SyncLogEntry[]>;
};

export function syncLogRepository(db: Db, now: () => Date = () => new Date()): SyncLog {
  const collection = db.collection<SyncLogEntry>("syncLog");
  // Several processes log for one integration: each numbers its own entries.
  const writer = randomBytes(3).toString("hex");
  let counter = 0;
  return {
    async record(entries) {
      if (entries.length === 0) return;
      const at = now();
      // Ids sort by time, then by their order here: `<integration>:<ms, 15 digits>:<writer>:<counter>`.
      await collection.insertMany(
        entries.map((entry) => ({
          ...entry,
          _id: `${entry.integrationId}:${String(at.getTime()).padStart(15, "0")}:${writer}:${String(counter++).padStart(9, "0")}`,
          at,
        })),
      );
    },
    page(integrationId, first, after) {
      const upper = after ?? `${integrationId};`;
      return collection
        .find({ _id: { $gt: `${integrationId}:`, $lt: upper } })
        .sort({ _id: -1 })
        .limit(first)
        .toArray();
    },
  };
}
