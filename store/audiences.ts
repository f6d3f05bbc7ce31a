import type { Db } from "mongodb";
import { type Audience, audienceNameKey } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

/** A RULES audience is swept hourly unless its `sweepSchedule` says otherwise. */
export const DEFAULT_SWEEP_SCHEDULE = "0 * * * *";

/** One audience's definition, as stored. */
export type AudienceDocument = Audience;

export type NewAudience = Pick<AudienceDocument, "_id" | "account" | "name" | "description" | "kind" | "rules"> & {
  sweepSchedule?: string;
};

export type AudienceChange = Partial<Pick<AudienceDocument, "name" | "description" | "rules" | "sweepSchedule">>;

/** Another audience of the account has this name. */
export class AudienceNameTakenError extends Error {
  override name = "AudienceNameTakenError";
  readonly code = "AUDIENCE_NAME_TAKEN";
}

/** No audience with this id in the caller's account (or it is being deleted). */
export class AudienceNotFoundError extends Error {
  override name = "AudienceNotFoundError";
  readonly code = "NOT_FOUND";
  readonly audienceId: string;
  constructor(audienceId: string) {
    super(`audience ${audienceId} not found`);
    this.audienceId = audienceId;
  }
}

/** Another run of this audience is in progress; runs of one audience never overlap. */
export class AudienceBusyError extends Error {
  override name = "AudienceBusyError";
  readonly code = "AUDIENCE_BUSY";
  readonly audienceId: string;
  constructor(audienceId: string) {
    super(`audience ${audienceId} is busy with another run; try again when it has finished`);
    this.audienceId = audienceId;
  }
}

/** The operation does not apply to this audience (e.g. importing into a RULES audience). */
export class AudienceRequestRefusedError extends Error {
  override name = "AudienceRequestRefusedError";
  readonly code = "BAD_USER_INPUT";
}

export type Audiences = {
  create: (audience: NewAudience) => Promise<AudienceDocument>;
  /** Undefined for an audience of another account, or none. */
  get: (account: string, id: string) => Promise<AudienceDocument | undefined>;
  /** The account's audiences, oldest first, without those being deleted. */
  list: (account: string) => Promise<AudienceDocument[]>;
  /** Every audience of every account (the sweep scheduler and catalog reconciliation read it). */
  all: () => Promise<AudienceDocument[]>;
  /** Applies a change; `ruleVersion` moves when `rules` does. Returns the audience after it. */
  update: (account: string, id: string, change: AudienceChange) => Promise<AudienceDocument | undefined>;
  markDeleting: (account: string, id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  adjustSizes: (deltas: Map<string, number>) => Promise<void>;
  /**
   * Takes the audience for a run until `until`, when it is free, expired or already this run's.
   * False when another run holds it.
   */
  lock: (id: string, runId: string, until: Date) => Promise<boolean>;
  unlock: (id: string, runId: string) => Promise<void>;
  /** Records that the sweep of `slot` was started; false when another process recorded it first. */
  claimSweep: (id: string, slot: Date) => Promise<boolean>;
};

export function audiencesRepository(db: Db, now: () => Date = () => new Date()): Audiences {
  const collection = db.collection<AudienceDocument>("audiences");
  /**
   * Refuses a name another live audience of the account has, ignoring case (see `audienceNameKey`);
   * the error quotes the name as that audience has it.
   */
  const refuseTakenName = async (account: string, name: string, except?: string) => {
    const key = audienceNameKey(name);
    const taken = (await collection.find({ account }).toArray()).find(
      (a) => audienceNameKey(a.name) === key && a._id !== except && !a.deleting,
    );
    if (taken) throw new AudienceNameTakenError(`an audience named "${taken.name}" already exists`);
  };

  return {
    async create(audience) {
      await refuseTakenName(audience.account, audience.name);
      const at = now();
      const document: AudienceDocument = {
        ...audience,
        ruleVersion: 1,
        size: 0,
        deleting: false,
        createdAt: at,
        updatedAt: at,
      };
      try {
        await collection.insertOne(document);
      } catch (error) {
        if (isDuplicateKey(error)) throw new AudienceNameTakenError(`audience id ${audience._id} already exists`);
        throw error;
      }
      return document;
    },
    async get(account, id) {
      const audience = await collection.findOne({ _id: id });
      return audience && audience.account === account ? audience : undefined;
    },
    async list(account) {
      const audiences = await collection.find({ account }).toArray();
      return audiences.filter((a) => !a.deleting).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    all: () => collection.find({}).toArray(),
    async update(account, id, change) {
      const current = await this.get(account, id);
      if (!current) return undefined;
      if (change.name !== undefined) await refuseTakenName(account, change.name, id);
      const rulesChanged = change.rules !== undefined && JSON.stringify(change.rules) !== JSON.stringify(current.rules);
      const set = { ...change, updatedAt: now(), ruleVersion: current.ruleVersion + (rulesChanged ? 1 : 0) };
      await collection.updateOne({ _id: id }, { $set: set });
      return { ...current, ...set };
    },
    async markDeleting(_account, id) {
      await collection.updateOne({ _id: id }, { $set: { deleting: true, updatedAt: now() } });
    },
    async remove(id) {
      await collection.deleteOne({ _id: id });
    },
    async adjustSizes(deltas) {
      for (const [id, delta] of deltas) {
        if (delta !== 0) await collection.updateOne({ _id: id }, { $inc: { size: delta } });
      }
    },
    async lock(id, runId, until) {
      const at = now();
      const result = await collection.updateOne(
        { _id: id, $or: [{ lock: { $exists: false } }, { "lock.until": { $lt: at } }, { "lock.runId": runId }] },
        { $set: { lock: { runId, until } } },
      );
      return result.matchedCount === 1;
    },
    async unlock(id, runId) {
      await collection.updateOne({ _id: id, "lock.runId": runId }, { $unset: { lock: "" } });
    },
    async claimSweep(id, slot) {
      const result = await collection.updateOne(
        { _id: id, $or: [{ lastSweepAt: { $exists: false } }, { lastSweepAt: { $lt: slot } }] },
        { $set: { lastSweepAt: slot } },
      );
      return result.matchedCount === 1;
    },
  };
}
