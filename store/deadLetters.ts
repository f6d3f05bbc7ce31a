import type { Db } from "mongodb";
import { isDuplicateKey } from "./duplicateKey.ts";

/** A message no consumer could apply: kept with its error so it can be inspected and replayed. */
export type DeadLetter = {
  /** `<stream>:<sequence>`: a redelivered poison message is recorded once. */
  _id: string;
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
