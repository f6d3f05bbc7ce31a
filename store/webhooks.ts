import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import { z } from "zod";
import type { FactKind } from "../model/index.ts";
import type { BrazeIntegrationDocument, IntegrationStatus } from "./integrations.ts";
import type { SealedSecret } from "./secretBox.ts";

/** What a webhook endpoint is sent; its signing secrets are sealed apart (`WebhookSecrets`). */
export type WebhookSettings = {
  url: string;
  kinds: FactKind[];
  /** Membership facts only of these audiences; absent: of every audience. */
  audienceIds?: string[];
  enabled: boolean;
  /** Deliveries a second at most; absent (endpoints created before it existed): WEBHOOK_USUAL_RATE. */
  maxPerSecond?: number;
};

/** An endpoint's deliveries a second unless it says otherwise, and the most it may ask for. */
export const WEBHOOK_USUAL_RATE = 50;
export const WEBHOOK_MOST_RATE = 10_000;

/**
 * A webhook's signing secrets, sealed as JSON in the integration's `secret`: the newest first,
 * and during a rotation the one it replaced, which signs too until `until` (ISO time).
 */
export type WebhookSecrets = { keys: { key: string; until?: string }[] };

const webhookSecretsSchema = z.object({
  keys: z.array(z.object({ key: z.string().startsWith("whsec_"), until: z.iso.datetime().optional() })).min(1),
}) satisfies z.ZodType<WebhookSecrets>;

/** A webhook's opened secret (JSON), checked: a store holding something else is a bug to hear of. */
export function readWebhookSecrets(opened: string): WebhookSecrets {
  const parsed = webhookSecretsSchema.safeParse(JSON.parse(opened));
  if (!parsed.success) throw new Error(`a webhook's stored secrets are unreadable: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** How long a replaced secret still signs, so receivers have a day to switch. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1_000;

/** The secrets after a rotation at `now`: `key` first, and the newest before it signing for 24 h more. */
export function rotatedWebhookSecrets(current: WebhookSecrets, key: string, now: Date): WebhookSecrets {
  const [previous] = current.keys;
  const until = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
  return { keys: previous ? [{ key }, { key: previous.key, until }] : [{ key }] };
}

/**
 * One webhook endpoint of an account. Unlike the other kinds an account may have many: `_id` is
 * `webhook_<account>_<uuid>`, which also names its CHANGES consumer and its limiter, so each
 * endpoint is synced on its own and one that is slow or failing holds up no other.
 */
export type WebhookDocument = Omit<BrazeIntegrationDocument, "kind" | "settings" | "combinedSince"> & {
  kind: "webhook";
  settings: WebhookSettings;
};

export type Webhooks = {
  create: (account: string, settings: WebhookSettings, secret: SealedSecret) => Promise<WebhookDocument>;
  /** The account's webhook `id`, if it has one. */
  get: (account: string, id: string) => Promise<WebhookDocument | undefined>;
  /** New settings; a changed configuration starts the endpoint again (HEALTHY, or DISABLED when switched off). */
  update: (account: string, id: string, settings: WebhookSettings) => Promise<WebhookDocument | undefined>;
  /** New sealed secrets (a rotation): its sync restarts, signing with them. */
  replaceSecret: (account: string, id: string, secret: SealedSecret) => Promise<WebhookDocument | undefined>;
  /**
   * Asks its sync to read CHANGES again from `since` (a newer request replaces one not yet
   * started); the sync restarts to do so. Undefined when the account has no such webhook.
   */
  requestReplay: (account: string, id: string, since: Date) => Promise<WebhookDocument | undefined>;
  /** True when it existed. */
  remove: (account: string, id: string) => Promise<boolean>;
};

export function webhooksRepository(db: Db, now: () => Date = () => new Date()): Webhooks {
  const collection = db.collection<WebhookDocument>("integrations");
  const ofAccount = (account: string, id: string) => ({ _id: id, account, kind: "webhook" as const });
  const statusOf = (settings: WebhookSettings): IntegrationStatus => (settings.enabled ? "HEALTHY" : "DISABLED");
  return {
    async create(account, settings, secret) {
      const at = now();
      const document: WebhookDocument = {
        _id: `webhook_${account}_${randomUUID()}`,
        account,
        kind: "webhook",
        settings,
        secret,
        status: statusOf(settings),
        configVersion: 1,
        createdAt: at,
        updatedAt: at,
      };
      await collection.insertOne(document);
      return document;
    },
    async get(account, id) {
      return (await collection.findOne(ofAccount(account, id))) ?? undefined;
    },
    async update(account, id, settings) {
      const found = await collection.findOneAndUpdate(
        ofAccount(account, id),
        {
          $set: { settings, status: statusOf(settings), updatedAt: now() },
          $unset: { lastError: "" },
          $inc: { configVersion: 1 },
        },
        { returnDocument: "after" },
      );
      return found ?? undefined;
    },
    async replaceSecret(account, id, secret) {
      const found = await collection.findOneAndUpdate(
        ofAccount(account, id),
        { $set: { secret, updatedAt: now() }, $inc: { configVersion: 1 } },
        { returnDocument: "after" },
      );
      return found ?? undefined;
    },
    async requestReplay(account, id, since) {
      const found = await collection.findOneAndUpdate(
        ofAccount(account, id),
        { $set: { replay: { id: randomUUID(), since } }, $inc: { configVersion: 1 } },
        { returnDocument: "after" },
      );
      return found ?? undefined;
    },
    async remove(account, id) {
      return (await collection.deleteOne(ofAccount(account, id))).deletedCount === 1;
    },
  };
}
