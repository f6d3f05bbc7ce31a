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
};

export function deadLettersRepository(db: Db): DeadLetters {
  const collection = db.collection<DeadLetter>("deadLetters");
  return {
    async record(letters) {
      if (letters.length === 0) return;
      try {
        await collection.insertMany(letters, { ordered: false });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    },
  };
}
