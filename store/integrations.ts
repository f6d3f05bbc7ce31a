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
  };
}
