import { createHash } from "node:crypto";
import type { Db } from "mongodb";
import type { InAppContent } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";
import type { Store } from "./mongo.ts";

/** An in-app message as shown to the customer: the template's strings, rendered. */
export type RenderedInAppContent = Omit<InAppContent, "expiresInSeconds">;

/** What the in-app channel delivers: one send to one customer's inbox. */
export type InAppDelivery = {
  account: string;
  customerId: string;
  sendKey: string;
  content: RenderedInAppContent;
  createdAt: Date;
  expiresAt: Date;
};

/** A message in a customer's inbox. */
export type InAppMessage = RenderedInAppContent & {
  id: string;
  account: string;
  customerId: string;
  sendKey: string;
  createdAt: Date;
  expiresAt: Date;
  readAt: Date | undefined;
  dismissedAt: Date | undefined;
};

/** READ keeps the message listed (unless `unreadOnly`); DISMISSED takes it out of the inbox. */
export type InAppState = "READ" | "DISMISSED";

/** The most messages one inbox read returns: the newest. */
export const IN_APP_LIST_LIMIT = 100;

/**
 * `readAt` and `dismissedAt` are stored as null until set, so one equality filter finds the unset
 * ones on MongoDB and FerretDB alike.
 */
type InAppMessageDocument = InAppDelivery & { _id: string; readAt: Date | null; dismissedAt: Date | null };

export type InAppMessages = {
  /** Stores the message once: delivering the same send again stores nothing (`stored: false`). */
  deliver: (delivery: InAppDelivery) => Promise<{ stored: boolean }>;
  /** The customer's inbox, newest first, at most IN_APP_LIST_LIMIT: never an expired or dismissed message. */
  list: (account: string, customerId: string, options?: { unreadOnly?: boolean }) => Promise<InAppMessage[]>;
  /** Marks the customer's message; false when the customer has no message of that id. The first mark's time stays. */
  mark: (account: string, customerId: string, id: string, state: InAppState) => Promise<boolean>;
  /** One message of the account, expired or not. */
  get: (account: string, id: string) => Promise<InAppMessage | undefined>;
  /** Deletes every expired message, where no TTL index does (FerretDB); answers how many. */
  deleteExpired: () => Promise<number>;
};

/**
 * The inbox id of a send's message: the channel stores under it and the `inAppMessageReceived`
 * subscription reads it back by the send key a `message.recorded` fact names. Hashed, so that a
 * send key of any length and character makes an opaque id of fixed size.
 */
export function inAppMessageId(account: string, sendKey: string): string {
  return `iam_${createHash("sha256").update(`${account}\n${sendKey}`).digest("base64url").slice(0, 32)}`;
}

const IN_APP_MESSAGES_COLLECTION = "inAppMessages";

/**
 * The inbox's indexes: one per customer, newest first, for `list`; and on MongoDB a TTL index,
 * which deletes messages once expired. FerretDB v1 has no TTL indexes: there an index on
 * `expiresAt` serves `deleteExpired`, to be run from time to time (docs/channels.md). Reads never
 * return an expired message either way. Run at start-up; safe to run again.
 */
export async function prepareInAppMessages(store: Store): Promise<void> {
  const collection = store.db.collection<InAppMessageDocument>(IN_APP_MESSAGES_COLLECTION);
  await collection.createIndex({ account: 1, customerId: 1, createdAt: -1 }, { name: "inbox" });
  await collection.createIndex(
    { expiresAt: 1 },
    store.isFerretDB ? { name: "expiresAt" } : { name: "expiresAt_ttl", expireAfterSeconds: 0 },
  );
}

export function inAppMessagesRepository(db: Db, now: () => Date = () => new Date()): InAppMessages {
  const collection = db.collection<InAppMessageDocument>(IN_APP_MESSAGES_COLLECTION);
  return {
    async deliver(delivery) {
      try {
        await collection.insertOne({
          _id: inAppMessageId(delivery.account, delivery.sendKey),
          ...delivery,
          readAt: null,
          dismissedAt: null,
        });
        return { stored: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { stored: false };
        throw error;
      }
    },

    async list(account, customerId, options = {}) {
      const documents = await collection
        .find({
          account,
          customerId,
          expiresAt: { $gt: now() },
          dismissedAt: null,
          ...(options.unreadOnly ? { readAt: null } : {}),
        })
        .sort({ createdAt: -1, _id: -1 })
        .limit(IN_APP_LIST_LIMIT)
        .toArray();
      return documents.map(messageOf);
    },

    async mark(account, customerId, id, state) {
      const field = state === "READ" ? "readAt" : "dismissedAt";
      const owned = { _id: id, account, customerId };
      const marked = await collection.updateOne({ ...owned, [field]: null }, { $set: { [field]: now() } });
      if (marked.matchedCount === 1) return true;
      return (await collection.countDocuments(owned, { limit: 1 })) === 1;
    },

    async get(account, id) {
      const document = await collection.findOne({ _id: id, account });
      return document ? messageOf(document) : undefined;
    },

    async deleteExpired() {
      return (await collection.deleteMany({ expiresAt: { $lte: now() } })).deletedCount;
    },
  };
}

function messageOf(document: InAppMessageDocument): InAppMessage {
  const { _id, content, readAt, dismissedAt, ...rest } = document;
  return {
    ...content,
    ...rest,
    id: _id,
    readAt: readAt ?? undefined,
    dismissedAt: dismissedAt ?? undefined,
  };
}
