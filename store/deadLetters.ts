import type { Db } from "mongodb";
import { isDuplicateKey } from "./accounts.ts";

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
  list: (stream: string) => Promise<DeadLetter[]>;
};

export function deadLettersRepository(db: Db): DeadLetters {
  const collection = db.collection<DeadLetter>("deadLetters");
  return {
    async record(letters) {
      if (letters.length === 0) return;
      try {
        await collection.insertMany(letters, { ordered: false });
      } catch (error) {
        if (!isDuplicateKey(error) && !allDuplicates(error)) throw error;
      }
    },
    list: (stream) => collection.find({ stream }).sort({ seq: 1 }).toArray(),
  };
}

function allDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: { code?: number }[] }).writeErrors;
  return Array.isArray(writeErrors) && writeErrors.every((e) => e.code === 11000);
}
