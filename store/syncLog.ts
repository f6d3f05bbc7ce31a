import { randomBytes } from "node:crypto";
import type { Db } from "mongodb";

/**
 * One item an integration could not deliver, for good: Braze refused it (its message kept), or the
 * provider refused the whole call with a permanent error. Never retried; readable through `syncLog`.
 * The log also says when the integration found a gap in CHANGES (`item` "gap") and when a full
 * resync asked every customer (`item` "resync"); those have no customer nor fact, and status 0.
 */
export type SyncLogEntry = {
  _id: string;
  integrationId: string;
  account: string;
  customerId: string;
  /** What the item was: `attributes`, `events`, `purchases` or `delete`; or `gap`, `resync`. */
  item: string;
  /** The fact it came from and its part within that fact. */
  factId: string;
  part: number;
  httpStatus: number;
  message: string;
  at: Date;
};

/**
 * Where an entry sits in its integration's log, `<ms, 15 digits>:<writer, 6 hex>:<counter, 9 digits or more>`:
 * its id without the integration. Only `syncLogPosition` makes one, so a page can only start inside
 * the log it reads.
 */
export type SyncLogPosition = string & { readonly brand: "SyncLogPosition" };

// A writer numbering past 10^9 entries writes a longer counter.
const POSITION = /^\d{15}:[0-9a-f]{6}:\d{9,16}$/;

/** The position of the entry `entryId` in the log of `integrationId`; undefined for any other text. */
export function syncLogPosition(integrationId: string, entryId: string): SyncLogPosition | undefined {
  const prefix = `${integrationId}:`;
  if (!entryId.startsWith(prefix)) return undefined;
  const position = entryId.slice(prefix.length);
  return POSITION.test(position) ? (position as SyncLogPosition) : undefined;
}

export type SyncLog = {
  record: (entries: Omit<SyncLogEntry, "_id" | "at">[]) => Promise<void>;
  /** One account's integration's entries, newest first, those before `after` when given. */
  page: (account: string, integrationId: string, first: number, after?: SyncLogPosition) => Promise<SyncLogEntry[]>;
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
    page(account, integrationId, first, after) {
      // The range finds the entries by `_id`; the fields bound them to the account and integration
      // whatever the range says.
      const upper = after === undefined ? `${integrationId};` : `${integrationId}:${after}`;
      return collection
        .find({ _id: { $gt: `${integrationId}:`, $lt: upper }, integrationId, account })
        .sort({ _id: -1 })
        .limit(first)
        .toArray();
    },
  };
}
