import type { Db } from "mongodb";
import { type Audience, audienceNameKey } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

/** A RULES audience is swept hourly unless its `sweepSchedule` says otherwise. */
export const DEFAULT_SWEEP_SCHEDULE = "0 * * * *";

/**
 * One audience's definition, as stored. `nameClaim` (`<account>:<audienceNameKey(name)>`) is held
 * while the audience is live and dropped when it is being deleted; a unique index on it makes a
 * name taken the moment an audience is written with it (see `prepareAudienceNames`). Documents
 * written before it existed get it at start-up.
 */
export type AudienceDocument = Audience & {
  nameClaim?: string;
  /** Set while a change of its members may have left `size` behind (see `markSizesUncertain`). */
  sizeUncertain?: true;
};

export type NewAudience = Pick<
  AudienceDocument,
  "_id" | "account" | "name" | "description" | "kind" | "rules" | "pushTopic"
> & {
  sweepSchedule?: string;
};

export type AudienceChange = Partial<
  Pick<AudienceDocument, "name" | "description" | "rules" | "sweepSchedule" | "pushTopic">
>;

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
   * Marks (true) or unmarks (false) audiences whose `size` may not match their members: marked
   * before their members change, unmarked once the size moved with them.
   */
  markSizesUncertain: (ids: string[], uncertain: boolean) => Promise<void>;
  /** The audiences marked by `markSizesUncertain` (a change of their members failed half way). */
  withUncertainSizes: () => Promise<string[]>;
  /** Sets an audience's size as counted from its members, and unmarks it. */
  setSize: (id: string, size: number) => Promise<void>;
  /**
   * Takes the audience for a run until `until`, when it is free, expired or already this run's.
   * False when another run holds it.
   */
  lock: (id: string, runId: string, until: Date) => Promise<boolean>;
  unlock: (id: string, runId: string) => Promise<void>;
  /** Records that the sweep of `slot` was started; false when another process recorded it first. */
  claimSweep: (id: string, slot: Date) => Promise<boolean>;
  /** Records why the audience's definition did not reach the customer workers; undefined clears it. */
  setLastError: (id: string, lastError: string | undefined) => Promise<void>;
};

/** The `nameClaim` of a live audience of `account` named `name`. */
function nameClaim(account: string, name: string): string {
  return `${account}:${audienceNameKey(name)}`;
}

const audiencesOf = (db: Db) => db.collection<AudienceDocument>("audiences");

/** A live audience that shares its name with an older one, found by `prepareAudienceNames`. */
export type SharedAudienceName = { audience: AudienceDocument; heldBy: AudienceDocument | undefined };

/**
 * Makes audience names unique per account, atomically: creates the unique index on `nameClaim`,
 * then gives each live audience stored without a claim (written before claims existed) its own,
 * oldest first. A name two live audiences already shared stays with the older one: the others are
 * answered, to be logged, and keep working until renamed. Run at start-up; safe to run again.
 *
 * One field rather than an index on `account` and the name: FerretDB has no partial indexes, and
 * MongoDB's sparse compound indexes still list every document that has an `account`, so audiences
 * being deleted (without a claim) would collide with each other.
 */
export async function prepareAudienceNames(db: Db): Promise<SharedAudienceName[]> {
  const collection = audiencesOf(db);
  await collection.createIndex({ nameClaim: 1 }, { unique: true, sparse: true, name: "nameClaim_unique" });
  const unclaimed = await collection.find({ nameClaim: { $exists: false }, deleting: false }).toArray();
  const shared: SharedAudienceName[] = [];
  for (const audience of unclaimed.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    const claim = nameClaim(audience.account, audience.name);
    try {
      await collection.updateOne(
        { _id: audience._id, nameClaim: { $exists: false }, deleting: false },
        { $set: { nameClaim: claim } },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      shared.push({ audience, heldBy: (await collection.findOne({ nameClaim: claim })) ?? undefined });
    }
  }
  return shared;
}

export function audiencesRepository(db: Db, now: () => Date = () => new Date()): Audiences {
  const collection = audiencesOf(db);
  /** The error for a write the name index refused: it quotes the name as the audience holding it has it. */
  const nameTaken = async (account: string, name: string): Promise<AudienceNameTakenError | undefined> => {
    const holder = await collection.findOne({ nameClaim: nameClaim(account, name) });
    return holder ? new AudienceNameTakenError(`an audience named "${holder.name}" already exists`) : undefined;
  };

  return {
    async create(audience) {
      const at = now();
      const document: AudienceDocument = {
        ...audience,
        nameClaim: nameClaim(audience.account, audience.name),
        ruleVersion: 1,
        size: 0,
        deleting: false,
        createdAt: at,
        updatedAt: at,
      };
      try {
        await collection.insertOne(document);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        throw (
          (await nameTaken(audience.account, audience.name)) ??
          new AudienceNameTakenError(`audience id ${audience._id} already exists`)
        );
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
      const rulesChanged = change.rules !== undefined && JSON.stringify(change.rules) !== JSON.stringify(current.rules);
      const set = {
        ...change,
        ...(change.name === undefined || current.deleting ? {} : { nameClaim: nameClaim(account, change.name) }),
        updatedAt: now(),
        ruleVersion: current.ruleVersion + (rulesChanged ? 1 : 0),
      };
      try {
        await collection.updateOne({ _id: id }, { $set: set });
      } catch (error) {
        if (!isDuplicateKey(error) || change.name === undefined) throw error;
        throw (await nameTaken(account, change.name)) ?? error;
      }
      return { ...current, ...set };
    },
    async markDeleting(_account, id) {
      // The name is free again at once.
      await collection.updateOne(
        { _id: id },
        { $set: { deleting: true, updatedAt: now() }, $unset: { nameClaim: "" } },
      );
    },
    async remove(id) {
      await collection.deleteOne({ _id: id });
    },
    async adjustSizes(deltas) {
      for (const [id, delta] of deltas) {
        if (delta !== 0) await collection.updateOne({ _id: id }, { $inc: { size: delta } });
      }
    },
    async markSizesUncertain(ids, uncertain) {
      if (ids.length === 0) return;
      await collection.updateMany(
        { _id: { $in: ids } },
        uncertain ? { $set: { sizeUncertain: true } } : { $unset: { sizeUncertain: "" } },
      );
    },
    async withUncertainSizes() {
      const found = await collection.find({ sizeUncertain: true }, { projection: { _id: 1 } }).toArray();
      return found.map((audience) => audience._id);
    },
    async setSize(id, size) {
      await collection.updateOne({ _id: id }, { $set: { size }, $unset: { sizeUncertain: "" } });
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
    async setLastError(id, lastError) {
      await collection.updateOne(
        { _id: id },
        lastError === undefined ? { $unset: { lastError: "" } } : { $set: { lastError } },
      );
    },
  };
}
