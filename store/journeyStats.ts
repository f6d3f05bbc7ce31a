import type { Db } from "mongodb";
import type { JourneyStats } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

type StepCounts = { type: string; active: number; entered: number; completed: number };

/** How a batch of `journey.changed` facts moves one journey's counters. */
export type JourneyCountsDelta = {
  entered: number;
  active: number;
  exited: number;
  steps: Record<string, StepCounts>;
};

/**
 * A journey's counters, `_id` its id. `countedSeq` is the CHANGES sequence of the last fact
 * counted: facts at or below it were counted already, so a redelivered fact counts once.
 */
type JourneyStatsDocument = {
  _id: string;
  account: string;
  entered: number;
  active: number;
  exited: number;
  steps: Record<string, StepCounts>;
  countedSeq: number;
};

export type JourneyStatsRepository = {
  /** The journey's counters; undefined until a fact about it was counted. */
  get: (journeyId: string) => Promise<JourneyStats | undefined>;
  /** The sequence of the last fact counted for the journey; 0 before any. */
  countedSeq: (journeyId: string) => Promise<number>;
  /**
   * Adds `delta` and marks the facts through `throughSeq` counted, unless another writer counted
   * anything since `afterSeq` was read: false then, and nothing changed.
   */
  add: (
    journeyId: string,
    account: string,
    delta: JourneyCountsDelta,
    afterSeq: number,
    throughSeq: number,
  ) => Promise<boolean>;
};

export function journeyStatsRepository(db: Db): JourneyStatsRepository {
  const collection = db.collection<JourneyStatsDocument>("journeyStats");
  return {
    async get(journeyId) {
      const found = await collection.findOne({ _id: journeyId });
      if (!found) return undefined;
      const steps = Object.entries(found.steps).map(([stepId, counts]) => ({ stepId, ...counts }));
      return { entered: found.entered, active: found.active, exited: found.exited, steps };
    },
    async countedSeq(journeyId) {
      return (await collection.findOne({ _id: journeyId }, { projection: { countedSeq: 1 } }))?.countedSeq ?? 0;
    },
    async add(journeyId, account, delta, afterSeq, throughSeq) {
      const inc: Record<string, number> = { entered: delta.entered, active: delta.active, exited: delta.exited };
      const set: Record<string, string | number> = { account, countedSeq: throughSeq };
      for (const [stepId, counts] of Object.entries(delta.steps)) {
        set[`steps.${stepId}.type`] = counts.type;
        inc[`steps.${stepId}.active`] = counts.active;
        inc[`steps.${stepId}.entered`] = counts.entered;
        inc[`steps.${stepId}.completed`] = counts.completed;
      }
      try {
        // The first count makes the document: when another writer made it first, the insert is a duplicate.
        const first = afterSeq === 0;
        const result = await collection.updateOne(
          first ? { _id: journeyId, countedSeq: { $exists: false } } : { _id: journeyId, countedSeq: afterSeq },
          { $inc: inc, $set: set },
          { upsert: first },
        );
        return result.matchedCount === 1 || result.upsertedCount === 1;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
  };
}
