import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import type { SealedSecret } from "./secretBox.ts";

export type IntegrationStatus = "HEALTHY" | "DEGRADED" | "FAILING" | "DISABLED";
export type BrazeBatchLimit = "PER_TYPE" | "COMBINED";

/** What a Braze integration syncs, and how; never holds the key. */
export type BrazeSettings = {
  restEndpoint: string;
  batchLimit: BrazeBatchLimit;
  enabled: boolean;
  syncAudiences: boolean;
  syncEvents: boolean;
  syncPurchases: boolean;
  syncTags: boolean;
  customersCreate: boolean;
  customersUpdate: boolean;
  customersDelete: boolean;
};

/** Why an integration resyncs: a gap in CHANGES it had not synced, or someone asked (`resyncIntegration`). */
export type ResyncReason = "GAP" | "REQUESTED";

/**
 * A full resync under way: every customer of the account is asked for its current state, in
 * customer id order. `after` is the last customer asked and `asked` how many were, so a resync
 * cut short goes on from there.
 */
export type IntegrationResync = {
  id: string;
  reason: ResyncReason;
  requestedAt: Date;
  after?: string;
  asked: number;
};

/**
 * One configured integration of an account. `_id` is `<kind>_<account>` (one Braze integration per
 * account) and names its CHANGES consumer. `configVersion` moves on every configuration change,
 * which is how a FAILING integration learns it may try again.
 */
export type IntegrationDocument = {
  _id: string;
  account: string;
  kind: "braze";
  settings: BrazeSettings;
  secret: SealedSecret;
  status: IntegrationStatus;
  lastError?: string;
  /** Set when Braze refused a call as too long: the account is on 75 objects in all. */
  combinedSince?: Date;
  configVersion: number;
  /** Set while a full resync is under way. */
  resync?: IntegrationResync;
  createdAt: Date;
  updatedAt: Date;
};

export type Integrations = {
  /** Creates or replaces the account's Braze configuration; a change resets the status. */
  configureBraze: (account: string, settings: BrazeSettings, secret: SealedSecret) => Promise<IntegrationDocument>;
  get: (id: string) => Promise<IntegrationDocument | undefined>;
  ofAccount: (account: string) => Promise<IntegrationDocument[]>;
  all: () => Promise<IntegrationDocument[]>;
  /** Records health; a FAILING status keeps its error until the configuration changes. */
  setStatus: (id: string, status: IntegrationStatus, lastError?: string) => Promise<void>;
  switchToCombined: (id: string) => Promise<void>;
  /**
   * Asks for a full resync. A requested one joins a resync under way (it sends the same state); a
   * gap replaces it, starting from the first customer again, as the facts of the customers it
   * asked already may be among those lost. Returns the resync under way, or undefined when the
   * integration does not exist.
   */
  requestResync: (id: string, reason: ResyncReason) => Promise<IntegrationResync | undefined>;
  /** Records how far resync `resyncId` got. */
  recordResyncProgress: (id: string, resyncId: string, after: string, asked: number) => Promise<void>;
  /** Ends resync `resyncId` (a newer one is left alone). */
  finishResync: (id: string, resyncId: string) => Promise<void>;
};

export function brazeIntegrationId(account: string): string {
  return `braze_${account}`;
}

export function integrationsRepository(db: Db, now: () => Date = () => new Date()): Integrations {
  const collection = db.collection<IntegrationDocument>("integrations");
  return {
    async configureBraze(account, settings, secret) {
      const _id = brazeIntegrationId(account);
      const current = await collection.findOne({ _id });
      const at = now();
      const document: IntegrationDocument = {
        _id,
        account,
        kind: "braze",
        settings,
        secret,
        status: settings.enabled ? "HEALTHY" : "DISABLED",
        configVersion: (current?.configVersion ?? 0) + 1,
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
        // A new endpoint may be another Braze account, with its own limits.
        ...(current?.combinedSince && current.settings.restEndpoint === settings.restEndpoint
          ? { combinedSince: current.combinedSince }
          : {}),
        // A resync under way still owes the provider the state it has not sent.
        ...(current?.resync ? { resync: current.resync } : {}),
      };
      await collection.replaceOne({ _id }, document, { upsert: true });
      return document;
    },
    async get(id) {
      return (await collection.findOne({ _id: id })) ?? undefined;
    },
    ofAccount: (account) => collection.find({ account }).toArray(),
    all: () => collection.find({}).toArray(),
    async setStatus(id, status, lastError) {
      await collection.updateOne(
        { _id: id },
        lastError === undefined ? { $set: { status }, $unset: { lastError: "" } } : { $set: { status, lastError } },
      );
    },
    async switchToCombined(id) {
      await collection.updateOne({ _id: id }, { $set: { combinedSince: now() } });
    },
    async requestResync(id, reason) {
      const resync: IntegrationResync = { id: randomUUID(), reason, requestedAt: now(), asked: 0 };
      const filter = reason === "GAP" ? { _id: id } : { _id: id, resync: { $exists: false } };
      await collection.updateOne(filter, { $set: { resync } });
      return (await collection.findOne({ _id: id }))?.resync;
    },
    async recordResyncProgress(id, resyncId, after, asked) {
      await collection.updateOne(
        { _id: id, "resync.id": resyncId },
        { $set: { "resync.after": after, "resync.asked": asked } },
      );
    },
    async finishResync(id, resyncId) {
      await collection.updateOne({ _id: id, "resync.id": resyncId }, { $unset: { resync: "" } });
    },
  };
}
