import type { Db } from "mongodb";
import { isDuplicateKey } from "./duplicateKey.ts";

/**
 * A message no consumer could apply, kept with its error so its account's admin can inspect it,
 * retry it or discard it, while the stream goes on without it.
 */
export type DeadLetter = {
  /** `<stream>:<sequence>`: a redelivered poison message is recorded once. */
  _id: string;
  /** The account the message was sent to (from its subject, so even an unreadable payload has one). */
  account: string;
  /** The customer it was for; null when the payload could not be read. */
  customerId: string | null;
  /** The command type (`customer.upsert`, `event.track`…), or `unreadable`. */
  kind: string;
  stream: string;
  seq: number;
  subject: string;
  payload: string;
  error: string;
  at: Date;
};

export type DeadLetters = {
  record: (letters: DeadLetter[]) => Promise<void>;
  /** An account's letters, newest (highest sequence) first, after the sequence `before` when given. */
  page: (account: string, first: number, before?: number) => Promise<DeadLetter[]>;
  /** Removes and answers one of an account's letters (undefined: it has none with that id). */
  take: (account: string, id: string) => Promise<DeadLetter | undefined>;
  /** Puts back a letter taken by `take` (its retry could not be sent). */
  restore: (letter: DeadLetter) => Promise<void>;
};

export const DEAD_LETTERS_COLLECTION = "deadLetters";

export function deadLettersRepository(db: Db): DeadLetters {
  const collection = db.collection<DeadLetter>(DEAD_LETTERS_COLLECTION);
  const insert = async (letters: DeadLetter[]) => {
    try {
      await collection.insertMany(letters, { ordered: false });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  };
  return {
    async record(letters) {
      if (letters.length > 0) await insert(letters);
    },
    page(account, first, before) {
      return collection
        .find({ account, ...(before === undefined ? {} : { seq: { $lt: before } }) })
        .sort({ seq: -1 })
        .limit(first)
        .toArray();
    },
    async take(account, id) {
      return (await collection.findOneAndDelete({ _id: id, account })) ?? undefined;
    },
    restore: (letter) => insert([letter]),
  };
}
