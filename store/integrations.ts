import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import type { ChannelIntegrationConfig, ChannelIntegrationKind, FactKind } from "../model/index.ts";
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
 * What an S3 export writes and where (API.md "Webhooks and S3 exports"); never holds the secret
 * access key. `endpoint` is absent for AWS itself.
 */
export type S3ExportSettings = {
  bucket: string;
  region: string;
  prefix: string;
  accessKeyId: string;
  endpoint?: string;
  forcePathStyle: boolean;
  kinds: FactKind[];
  rotateSeconds: number;
  rotateBytes: number;
  enabled: boolean;
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
 * What every configured integration of an account has. `_id` is `<kind>_<account>` (at most one
 * integration of each kind per account); a destination's `_id` names its CHANGES consumer.
 * `configVersion` moves on every configuration change, which is how a FAILING integration learns
 * it may try again. `secret` is sealed (secretBox.ts): a destination's key, or a channel's secrets
 * as JSON (channelConfig.ts opens them).
 */
type IntegrationBase = {
  _id: string;
  account: string;
  secret: SealedSecret;
  status: IntegrationStatus;
  lastError?: string;
  configVersion: number;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * A replay asked for (`replayWebhook`): the integration's next sync reads CHANGES again from
 * `since`, re-sending what it holds from then, and resyncs from the store when CHANGES no longer
 * holds facts that old.
 */
export type IntegrationReplay = { id: string; since: Date };

/** The account's Braze integration: a destination the destination worker syncs CHANGES to. */
export type BrazeIntegrationDocument = IntegrationBase & {
  kind: "braze";
  settings: BrazeSettings;
  /** Set when Braze refused a call as too long: the account is on 75 objects in all. */
  combinedSince?: Date;
  /** Set while a full resync is under way. */
  resync?: IntegrationResync;
  /** Set from a replay's request until its sync reads CHANGES from its `since`. */
  replay?: IntegrationReplay;
};

/** A channel's settings, by kind; its secrets are in the sealed `secret`. */
export type ChannelIntegrationDocument<Kind extends ChannelIntegrationKind = ChannelIntegrationKind> = {
  [K in Kind]: IntegrationBase & { kind: K; settings: Extract<ChannelIntegrationConfig, { kind: K }>["settings"] };
}[Kind];

/** The account's S3 export: a destination whose settings its provider (actors/destination/s3/) reads. */
export type S3ExportDocument = IntegrationBase & {
  kind: "s3";
  settings: S3ExportSettings;
  /** Set while a full resync is under way. */
  resync?: IntegrationResync;
};

/** One configured integration of an account, told apart by `kind`. */
export type IntegrationDocument = BrazeIntegrationDocument | S3ExportDocument | ChannelIntegrationDocument;

/** A channel's configuration as it is handed to the store: its secrets already sealed (`sealChannelConfig`). */
export type SealedChannelConfig = {
  [K in ChannelIntegrationKind]: { kind: K; settings: ChannelIntegrationDocument<K>["settings"]; secret: SealedSecret };
}[ChannelIntegrationKind];

export type Integrations = {
  /** Creates or replaces the account's Braze configuration; a change resets the status. */
  configureBraze: (account: string, settings: BrazeSettings, secret: SealedSecret) => Promise<BrazeIntegrationDocument>;
  /** Creates or replaces the account's S3 export (kind `s3`); a change resets the status. */
  configureS3Export: (account: string, settings: S3ExportSettings, secret: SealedSecret) => Promise<S3ExportDocument>;
  /** Creates or replaces the account's integration of `config.kind`; it starts HEALTHY again. */
  configureChannel: (account: string, config: SealedChannelConfig) => Promise<ChannelIntegrationDocument>;
  /** The account's integration of a channel, if configured. */
  channelIntegration: <Kind extends ChannelIntegrationKind>(
    account: string,
    kind: Kind,
  ) => Promise<ChannelIntegrationDocument<Kind> | undefined>;
  get: (id: string) => Promise<IntegrationDocument | undefined>;
  ofAccount: (account: string) => Promise<IntegrationDocument[]>;
  /** Every account's destinations (the integrations the destination worker syncs). */
  destinations: () => Promise<BrazeIntegrationDocument[]>;
  /** Records health, of a destination or a channel; a FAILING status keeps its error until the configuration changes. */
  setStatus: (id: string, status: IntegrationStatus, lastError?: string) => Promise<void>;
  switchToCombined: (id: string) => Promise<void>;
  /**
   * Asks for a full resync. A requested one joins a resync under way (it sends the same state); a
   * gap replaces it, starting from the first customer again, as the facts of the customers it
   * asked already may be among those lost. Returns the resync under way, or undefined when the
   * integration does not exist or is a channel's.
   */
  requestResync: (id: string, reason: ResyncReason) => Promise<IntegrationResync | undefined>;
  /** Records how far resync `resyncId` got. */
  recordResyncProgress: (id: string, resyncId: string, after: string, asked: number) => Promise<void>;
  /** Ends resync `resyncId` (a newer one is left alone). */
  finishResync: (id: string, resyncId: string) => Promise<void>;
  /** Replay `replayId` reads CHANGES from its `since` now: it is not started again (a newer one is left alone). */
  finishReplay: (id: string, replayId: string) => Promise<void>;
};

export function brazeIntegrationId(account: string): string {
  return `braze_${account}`;
}

export function s3ExportId(account: string): string {
  return `s3_${account}`;
}

export function channelIntegrationId(account: string, kind: ChannelIntegrationKind): string {
  return `${kind}_${account}`;
}

/** The kinds that are channels; every other kind is a destination, synced by its provider (actors/destination/). */
const CHANNEL_KINDS = { email: true, push: true, whatsapp: true } satisfies Record<ChannelIntegrationKind, true>;
// The record's keys, which `satisfies` proves are every kind.
const CHANNEL_KIND_LIST = Object.keys(CHANNEL_KINDS) as ChannelIntegrationKind[];

/** A channel's provider, which the channel workers send through; it syncs nothing and never resyncs. */
export function isChannelIntegration(integration: IntegrationDocument): integration is ChannelIntegrationDocument {
  return Object.hasOwn(CHANNEL_KINDS, integration.kind);
}

/**
 * A destination's document. Braze is the only destination whose settings the store types; a
 * destination of another kind is read by its own provider, which types its settings itself.
 */
function isDestination(integration: IntegrationDocument): integration is BrazeIntegrationDocument {
  return !isChannelIntegration(integration);
}

function isChannelOf<Kind extends ChannelIntegrationKind>(
  integration: { kind: string },
  kind: Kind,
): integration is ChannelIntegrationDocument<Kind> {
  return integration.kind === kind;
}

type DestinationLifecycle = Pick<IntegrationBase, "configVersion" | "createdAt"> & { resync?: IntegrationResync };

/**
 * What a destination's new configuration takes from the one it replaces (none: it is new): its
 * creation, the next version, and a resync under way, which still owes the provider the state it
 * has not sent; HEALTHY, or DISABLED when switched off.
 */
function reconfigured(
  current: DestinationLifecycle | undefined,
  enabled: boolean,
  at: Date,
): DestinationLifecycle & Pick<IntegrationBase, "status" | "updatedAt"> {
  return {
    status: enabled ? "HEALTHY" : "DISABLED",
    configVersion: (current?.configVersion ?? 0) + 1,
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
    ...(current?.resync ? { resync: current.resync } : {}),
  };
}

export function integrationsRepository(db: Db, now: () => Date = () => new Date()): Integrations {
  const collection = db.collection<IntegrationDocument>("integrations");
  return {
    async configureBraze(account, settings, secret) {
      const _id = brazeIntegrationId(account);
      const found = await collection.findOne({ _id });
      const current = found && isDestination(found) ? found : undefined;
      const document: BrazeIntegrationDocument = {
        _id,
        account,
        kind: "braze",
        settings,
        secret,
        ...reconfigured(current, settings.enabled, now()),
        // A new endpoint may be another Braze account, with its own limits.
        ...(current?.combinedSince && current.settings.restEndpoint === settings.restEndpoint
          ? { combinedSince: current.combinedSince }
          : {}),
      };
      await collection.replaceOne({ _id }, document, { upsert: true });
      return document;
    },
    async configureS3Export(account, settings, secret) {
      const _id = s3ExportId(account);
      const found = await collection.findOne({ _id });
      const document: S3ExportDocument = {
        _id,
        account,
        kind: "s3",
        settings,
        secret,
        ...reconfigured(found && isDestination(found) ? found : undefined, settings.enabled, now()),
      };
      await collection.replaceOne({ _id }, document, { upsert: true });
      return document;
    },
    async configureChannel(account, config) {
      const _id = channelIntegrationId(account, config.kind);
      const current = await collection.findOne({ _id });
      const at = now();
      const document: ChannelIntegrationDocument = {
        _id,
        account,
        ...config,
        // New settings may fix what failed: the channel worker tries again.
        status: "HEALTHY",
        configVersion: (current?.configVersion ?? 0) + 1,
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
      };
      await collection.replaceOne({ _id }, document, { upsert: true });
      return document;
    },
    async channelIntegration(account, kind) {
      // Widened first: narrowing the stored union by a generic kind is more than TypeScript follows.
      const found: { kind: string } | null = await collection.findOne({ _id: channelIntegrationId(account, kind) });
      return found && isChannelOf(found, kind) ? found : undefined;
    },
    async get(id) {
      return (await collection.findOne({ _id: id })) ?? undefined;
    },
    ofAccount: (account) => collection.find({ account }).toArray(),
    async destinations() {
      return (await collection.find({ kind: { $nin: CHANNEL_KIND_LIST } }).toArray()).filter(isDestination);
    },
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
      const destination = { _id: id, kind: { $nin: CHANNEL_KIND_LIST } };
      const filter = reason === "GAP" ? destination : { ...destination, resync: { $exists: false } };
      await collection.updateOne(filter, { $set: { resync } });
      const found = await collection.findOne({ _id: id });
      return found && isDestination(found) ? found.resync : undefined;
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
    async finishReplay(id, replayId) {
      await collection.updateOne({ _id: id, "replay.id": replayId }, { $unset: { replay: "" } });
    },
  };
}
