import type { Db } from "mongodb";
import { isDuplicateKey } from "./duplicateKey.ts";

type AccountDocument = { _id: string; createdAt: Date };

/** The account already exists. */
export class AccountExistsError extends Error {
  override name = "AccountExistsError";
  readonly code = "ACCOUNT_EXISTS";
}

export type Accounts = {
  create: (id: string) => Promise<void>;
  exists: (id: string) => Promise<boolean>;
  count: () => Promise<number>;
};

export function accountsRepository(db: Db, now: () => Date = () => new Date()): Accounts {
  const collection = db.collection<AccountDocument>("accounts");
  return {
    async create(id) {
      try {
        await collection.insertOne({ _id: id, createdAt: now() });
      } catch (error) {
        if (isDuplicateKey(error)) throw new AccountExistsError(`account "${id}" already exists`);
        throw error;
      }
    },
    async exists(id) {
      return (await collection.countDocuments({ _id: id }, { limit: 1 })) > 0;
    },
    count: () => collection.countDocuments(),
  };
}
