import type { Db, Filter } from "mongodb";
import {
  type Campaign,
  type CampaignCounters,
  type CampaignRun,
  type CampaignStatus,
  ClientFacingError,
} from "../model/index.ts";
import { duplicateKeyIndexes } from "./duplicateKey.ts";

/**
 * One campaign as stored. `runner` is the lease of the process running it (docs/campaigns.md,
 * "Running"); `countedSeq` the CHANGES sequence of the last `message.recorded` fact counted into
 * its counters, so a redelivered fact counts once.
 */
export type CampaignDocument = Campaign & { runner?: CampaignLease; countedSeq: number };

/** Who runs a campaign, until when (epoch ms); another runner may take it over after. */
export type CampaignLease = { owner: string; until: number };

/** A member copied as a campaign's target: `_id` is `<campaignId>:<customerId>`, so one campaign's sort together. */
type CampaignTargetDocument = { _id: string; campaignId: string; customerId: string };

/** No campaign with this id in the caller's account. */
export class CampaignNotFoundError extends ClientFacingError {
  override name = "CampaignNotFoundError";
  readonly code = "NOT_FOUND";
  readonly campaignId: string;
  constructor(campaignId: string) {
    super(`campaign ${campaignId} not found`);
    this.campaignId = campaignId;
  }
}

/** What is wrong where (`input.audienceId`), as GraphQL's BAD_USER_INPUT issues are. */
export type CampaignIssue = { field: string; message: string };

/** The campaign cannot do this: an audience or template that does not fit, a wrong transition. */
export class CampaignRefusedError extends ClientFacingError {
  override name = "CampaignRefusedError";
  readonly code = "BAD_USER_INPUT";
  readonly issues: CampaignIssue[];
  constructor(issues: CampaignIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join("; "));
    this.issues = issues;
  }
}

/** The outcomes a batch of facts adds to a campaign's counters. */
export type CampaignOutcomes = Omit<CampaignCounters, "targeted">;

export type Campaigns = {
  create: (campaign: Campaign) => Promise<CampaignDocument>;
  /** Undefined for a campaign of another account, or none. */
  get: (account: string, id: string) => Promise<CampaignDocument | undefined>;
  /** By id alone, for the runner and the counters. */
  byId: (id: string) => Promise<CampaignDocument | undefined>;
  /** One page of the account's campaigns, newest first, before the cursor `before` (an id). */
  page: (account: string, first: number, before?: string) => Promise<CampaignDocument[]>;
  /**
   * Moves a campaign of the account from one of `from` to its `set` fields' values (status
   * included); undefined when it is in another status by now (or none), nothing changed then.
   */
  transition: (
    account: string,
    id: string,
    from: readonly CampaignStatus[],
    set: Partial<Campaign>,
  ) => Promise<CampaignDocument | undefined>;
  /** SCHEDULED campaigns whose time has come, and RUNNING ones nobody holds (or whose runner's lease ran out). */
  due: (now: Date) => Promise<CampaignDocument[]>;
  /**
   * Takes (or renews) the lease of a RUNNING campaign for `owner` until `until`, when it is free,
   * lapsed or already `owner`'s; the campaign then, else undefined.
   */
  lease: (id: string, owner: string, until: number, now: number) => Promise<CampaignDocument | undefined>;
  /** Drops `owner`'s lease, so that another runner need not wait for it to lapse. */
  release: (id: string, owner: string) => Promise<void>;
  /**
   * Writes where the run is and how many members were asked for, while `owner` holds the lease
   * and the campaign is RUNNING; false otherwise (nothing written).
   */
  saveRun: (id: string, owner: string, run: CampaignRun, targeted: number) => Promise<boolean>;
  /**
   * Adds outcomes and marks the facts through `throughSeq` counted, unless another writer counted
   * anything since `afterSeq` was read: false then, and nothing changed.
   */
  count: (id: string, outcomes: CampaignOutcomes, afterSeq: number, throughSeq: number) => Promise<boolean>;

  /** Copies members as the campaign's targets (already copied ones are skipped); answers how many were new. */
  addTargets: (campaignId: string, customerIds: readonly string[]) => Promise<number>;
  /** Forgets the targets after `after` (a customer id; all when undefined), copied by a run that stopped before saving them. */
  dropTargetsAfter: (campaignId: string, after: string | undefined) => Promise<void>;
  /** The campaign's targets after `after`, in customer-id order, in pages, from one cursor: never all in memory. */
  targets: (campaignId: string, after: string | undefined, pageSize: number) => AsyncGenerator<string[]>;
};

const targetKey = (campaignId: string, customerId: string) => `${campaignId}:${customerId}`;
/** Sorts after every `<campaignId>:…` key: `;` follows `:`. */
const pastTargets = (campaignId: string) => `${campaignId};`;

export function campaignsRepository(db: Db): Campaigns {
  const campaigns = db.collection<CampaignDocument>("campaigns");
  const targets = db.collection<CampaignTargetDocument>("campaignTargets");
  const targetsAfter = (campaignId: string, after: string | undefined) => ({
    _id: { $gt: targetKey(campaignId, after ?? ""), $lt: pastTargets(campaignId) },
    campaignId,
  });

  return {
    async create(campaign) {
      const document: CampaignDocument = { ...campaign, countedSeq: 0 };
      await campaigns.insertOne(document, { ignoreUndefined: true });
      return document;
    },
    async get(account, id) {
      const found = await campaigns.findOne({ _id: id });
      return found && found.account === account ? found : undefined;
    },
    byId: async (id) => (await campaigns.findOne({ _id: id })) ?? undefined,
    page: (account, first, before) =>
      campaigns
        .find(before ? { account, _id: { $lt: before } } : { account })
        .sort({ _id: -1 })
        .limit(first)
        .toArray(),
    async transition(account, id, from, set) {
      const found = await campaigns.findOneAndUpdate(
        { _id: id, account, status: { $in: [...from] } },
        { $set: { ...set, updatedAt: new Date() } },
        { returnDocument: "after", ignoreUndefined: true },
      );
      return found ?? undefined;
    },
    due: (now) =>
      campaigns
        .find({
          $or: [
            { status: "SCHEDULED", scheduledAt: { $lte: now } },
            { status: "RUNNING", runner: { $exists: false } },
            { status: "RUNNING", "runner.until": { $lt: now.getTime() } },
          ],
        })
        .toArray(),
    async lease(id, owner, until, now) {
      const free: Filter<CampaignDocument> = {
        _id: id,
        status: "RUNNING",
        $or: [{ runner: { $exists: false } }, { "runner.until": { $lt: now } }, { "runner.owner": owner }],
      };
      const found = await campaigns.findOneAndUpdate(
        free,
        { $set: { runner: { owner, until } } },
        { returnDocument: "after" },
      );
      return found ?? undefined;
    },
    async release(id, owner) {
      await campaigns.updateOne({ _id: id, "runner.owner": owner }, { $unset: { runner: "" } });
    },
    async saveRun(id, owner, run, targeted) {
      const result = await campaigns.updateOne(
        { _id: id, status: "RUNNING", "runner.owner": owner },
        { $set: { run, targeted } },
        { ignoreUndefined: true },
      );
      return result.matchedCount === 1;
    },
    async count(id, outcomes, afterSeq, throughSeq) {
      const result = await campaigns.updateOne(
        { _id: id, countedSeq: afterSeq },
        { $inc: { ...outcomes }, $set: { countedSeq: throughSeq } },
      );
      return result.matchedCount === 1;
    },

    async addTargets(campaignId, customerIds) {
      if (customerIds.length === 0) return 0;
      const documents = customerIds.map((customerId) => ({
        _id: targetKey(campaignId, customerId),
        campaignId,
        customerId,
      }));
      try {
        await targets.insertMany(documents, { ordered: false });
        return documents.length;
      } catch (error) {
        // A target copied already: a run that stopped after copying, before saving where it was.
        const duplicates = duplicateKeyIndexes(error);
        if (!duplicates) throw error;
        return documents.length - duplicates.length;
      }
    },
    async dropTargetsAfter(campaignId, after) {
      await targets.deleteMany(targetsAfter(campaignId, after));
    },
    async *targets(campaignId, after, pageSize) {
      const cursor = targets
        .find(targetsAfter(campaignId, after), { projection: { customerId: 1 } })
        .sort({ _id: 1 })
        .batchSize(pageSize);
      let page: string[] = [];
      try {
        for await (const target of cursor) {
          page.push(target.customerId);
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
        if (page.length > 0) yield page;
      } finally {
        await cursor.close();
      }
    },
  };
}

/** The indexes campaigns are listed and found by; run at start-up, safe to run again. */
export async function prepareCampaigns(db: Db): Promise<void> {
  await db.collection<CampaignDocument>("campaigns").createIndex({ account: 1, _id: -1 }, { name: "account" });
  await db.collection<CampaignDocument>("campaigns").createIndex({ status: 1 }, { name: "status" });
}
