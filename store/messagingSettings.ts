import type { Db } from "mongodb";
import { type MessagingSettings, NO_MESSAGING_RULES } from "../model/index.ts";

type MessagingSettingsDocument = { _id: string; settings: MessagingSettings; updatedAt: Date };

/** Each account's caps and quiet hours (`configureMessaging`), which the customer actors apply. */
export type AccountMessagingSettings = {
  /** The account's settings; `NO_MESSAGING_RULES` when it never configured any. */
  get: (account: string) => Promise<MessagingSettings>;
  /** Replaces the account's settings. */
  set: (account: string, settings: MessagingSettings) => Promise<void>;
  /** Every account's settings that were ever configured. */
  all: () => Promise<{ account: string; settings: MessagingSettings }[]>;
};

export function messagingSettingsRepository(db: Db, now: () => Date = () => new Date()): AccountMessagingSettings {
  const collection = db.collection<MessagingSettingsDocument>("messagingSettings");
  return {
    async get(account) {
      return (await collection.findOne({ _id: account }))?.settings ?? NO_MESSAGING_RULES;
    },
    async set(account, settings) {
      await collection.replaceOne({ _id: account }, { settings, updatedAt: now() }, { upsert: true });
    },
    async all() {
      const found = await collection.find({}).toArray();
      return found.map((document) => ({ account: document._id, settings: document.settings }));
    },
  };
}
