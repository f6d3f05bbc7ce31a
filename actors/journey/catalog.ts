import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { z } from "zod";
import {
  channelSchema,
  type MessagingSettings,
  messagingSettingsSchema,
  NO_MESSAGING_RULES,
} from "../../model/index.ts";
import { parseJourneyDefinition } from "../../rules/index.ts";
import type { JourneyDocument, JourneyVersionDocument } from "../../store/index.ts";
import { openKvBucket, watchBucket } from "../../streams/index.ts";
import type { JourneyVersion } from "./journeyVersion.ts";

/**
 * The KV bucket that carries journeys to every customer worker, which decide entries, steps and
 * sends inside the customer actor. MongoDB holds the journeys; this is their broadcast. Keys:
 * `<account>.<journeyId>` (the journey's status and live version), `<account>.<journeyId>.v<n>`
 * (each version ever published, kept for the instances pinned to it) and `<account>.messaging`
 * (the account's caps and quiet hours, which journey sends obey).
 */
export const JOURNEY_CATALOG_BUCKET = "masivo_journeys";

const MESSAGING_KEY = "messaging";

const journeyEntrySchema = z.object({
  id: z.string().min(1),
  account: z.string().min(1),
  name: z.string(),
  status: z.enum(["LIVE", "PAUSED", "ARCHIVED"]),
  liveVersion: z.number().int().positive(),
});
type JourneyEntry = z.infer<typeof journeyEntrySchema>;

const versionEntrySchema = z.object({
  journeyId: z.string().min(1),
  account: z.string().min(1),
  version: z.number().int().positive(),
  definition: z.unknown(),
  templates: z.record(z.string(), z.object({ channel: channelSchema, version: z.number().int().positive() })),
});

const journeyKey = (account: string, journeyId: string) => `${account}.${journeyId}`;
const versionKey = (account: string, journeyId: string, version: number) => `${account}.${journeyId}.v${version}`;

async function openBucket(nc: NatsConnection): Promise<KV> {
  return openKvBucket(nc, JOURNEY_CATALOG_BUCKET, { history: 1 });
}

/** What the journey operations and `configureMessaging` use to tell the workers. */
export type JourneyCatalogWriter = {
  /** Writes a published version; written before the journey's entry names it live. */
  putVersion: (version: JourneyVersionDocument) => Promise<void>;
  /** Writes a published journey's status and live version; a journey never published has none. */
  putJourney: (journey: JourneyDocument) => Promise<void>;
  putMessaging: (account: string, settings: MessagingSettings) => Promise<void>;
};

export async function openJourneyCatalogWriter(nc: NatsConnection): Promise<JourneyCatalogWriter> {
  const kv = await openBucket(nc);
  return {
    async putVersion({ journeyId, account, version, definition, templates }) {
      const entry = { journeyId, account, version, definition, templates };
      await kv.put(versionKey(account, journeyId, version), JSON.stringify(entry));
    },
    async putJourney(journey) {
      if (journey.publishedVersion === undefined || journey.status === "DRAFT") return;
      const entry: JourneyEntry = {
        id: journey._id,
        account: journey.account,
        name: journey.name,
        status: journey.status,
        liveVersion: journey.publishedVersion,
      };
      await kv.put(journeyKey(journey.account, journey._id), JSON.stringify(entry));
    },
    async putMessaging(account, settings) {
      await kv.put(journeyKey(account, MESSAGING_KEY), JSON.stringify(settings));
    },
  };
}

/** A customer worker's live copy of the journeys, kept current by a KV watch. */
export type JourneyCatalog = {
  /** LIVE journeys of the account, each with its live version. */
  liveJourneys: (account: string) => readonly JourneyVersion[];
  /** A version a running instance is pinned to (kept for every version ever published). */
  version: (account: string, journeyId: string, version: number) => JourneyVersion | undefined;
  status: (account: string, journeyId: string) => "LIVE" | "PAUSED" | "ARCHIVED" | undefined;
  /** The journey's name, for the templates of its sends (`journey.name`). */
  name: (account: string, journeyId: string) => string | undefined;
  /** The account's caps and quiet hours; the defaults when none were saved. */
  messaging: (account: string) => MessagingSettings;
  /** Resolves once the copy holds every change the bucket had when called. */
  caughtUp: () => Promise<void>;
  stop: () => Promise<void>;
};

const NONE: readonly JourneyVersion[] = [];

/** Resolves once the bucket's current entries are loaded; later changes apply as they arrive. */
export async function openJourneyCatalog(nc: NatsConnection, log: Logger): Promise<JourneyCatalog> {
  const kv = await openBucket(nc);
  const journeys = new Map<string, Map<string, JourneyEntry>>();
  const versions = new Map<string, JourneyVersion>();
  const messaging = new Map<string, MessagingSettings>();
  // Rebuilt on change, so the hot path (every customer command) reads a ready array.
  const live = new Map<string, readonly JourneyVersion[]>();

  const relist = (account: string) => {
    const listed = [...(journeys.get(account)?.values() ?? [])].flatMap((journey) => {
      const version = journey.status === "LIVE" && versions.get(versionKey(account, journey.id, journey.liveVersion));
      return version ? [version] : [];
    });
    live.set(account, listed);
  };

  const applyVersion = (key: string, value: unknown) => {
    const entry = versionEntrySchema.parse(value);
    const parsed = parseJourneyDefinition(entry.definition);
    if (!parsed.ok) {
      log.error({ key, problems: parsed.problems }, "catalog journey version invalid; skipped");
      return;
    }
    versions.set(key, { ...entry, definition: parsed.definition });
  };

  const applyJourney = (account: string, journeyId: string, value: unknown) => {
    const ofAccount = journeys.get(account) ?? new Map<string, JourneyEntry>();
    journeys.set(account, ofAccount);
    if (value === undefined) ofAccount.delete(journeyId);
    else ofAccount.set(journeyId, journeyEntrySchema.parse(value));
  };

  const apply = (key: string, value: unknown) => {
    const [account = "", name = "", version] = key.split(".");
    if (name === MESSAGING_KEY) {
      if (value === undefined) messaging.delete(account);
      else messaging.set(account, messagingSettingsSchema.parse(value));
      return;
    }
    if (version === undefined) applyJourney(account, name, value);
    else if (value === undefined) versions.delete(key);
    else applyVersion(key, value);
    relist(account);
  };

  const watched = await watchBucket(kv, JOURNEY_CATALOG_BUCKET, apply, log);
  return {
    liveJourneys: (account) => live.get(account) ?? NONE,
    version: (account, journeyId, version) => versions.get(versionKey(account, journeyId, version)),
    status: (account, journeyId) => journeys.get(account)?.get(journeyId)?.status,
    name: (account, journeyId) => journeys.get(account)?.get(journeyId)?.name,
    messaging: (account) => messaging.get(account) ?? NO_MESSAGING_RULES,
    caughtUp: watched.caughtUp,
    stop: watched.stop,
  };
}
