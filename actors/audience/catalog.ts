import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ClientFacingError } from "../../model/index.ts";
import { ruleBoundsProblem, rulePaths, validateRule } from "../../rules/index.ts";
import type { AudienceDocument } from "../../store/index.ts";
import { openKvBucket, type WatchedBucket, watchBucket } from "../../streams/index.ts";
import type { AudienceRule } from "../customer/index.ts";

/**
 * The KV bucket that carries audiences to every customer worker: one entry per live RULES
 * audience and per live STATIC audience whose `pushTopic` is on, keyed `<account>.<audienceId>`.
 * MongoDB holds the definitions; this is their broadcast, so a change reaches every worker within
 * a watch round-trip.
 */
export const AUDIENCE_CATALOG_BUCKET = "masivo_audiences";

/** A STATIC audience's entry has no rule: it is there for its push topic alone. */
type CatalogEntry = {
  id: string;
  account: string;
  name: string;
  rule?: unknown;
  ruleVersion: number;
  pushTopic?: boolean;
};

const entryKey = (account: string, audienceId: string) => `${account}.${audienceId}`;

async function openBucket(nc: NatsConnection): Promise<KV> {
  return openKvBucket(nc, AUDIENCE_CATALOG_BUCKET, { history: 1 });
}

/** What the audience operations use to tell the workers. */
export type AudienceCatalogWriter = {
  /**
   * Publishes a RULES audience's current rule and a STATIC audience's push topic, or withdraws
   * any other (STATIC without a push topic, being deleted).
   * Throws a ClientFacingError, having withdrawn it, for a rule beyond the bounds (docs/rules.md).
   */
  publish: (audience: AudienceDocument) => Promise<void>;
  withdraw: (account: string, audienceId: string) => Promise<void>;
};

export async function openAudienceCatalogWriter(nc: NatsConnection): Promise<AudienceCatalogWriter> {
  const kv = await openBucket(nc);
  const withdraw = async (account: string, audienceId: string) => {
    await kv.delete(entryKey(account, audienceId));
  };
  return {
    withdraw,
    async publish(audience) {
      if (audience.deleting) return withdraw(audience.account, audience._id);
      if (audience.kind !== "RULES") return publishPushTopicOnly(kv, audience);
      const beyond = ruleBoundsProblem(audience.rules);
      if (beyond) {
        // Stored before rules had bounds: not evaluated until it is given a rule within them.
        await withdraw(audience.account, audience._id);
        throw new ClientFacingError(
          `the rule ${beyond}: it is not evaluated until updateAudience gives the audience a rule within the bounds`,
        );
      }
      const entry: CatalogEntry = {
        id: audience._id,
        account: audience.account,
        name: audience.name,
        rule: audience.rules,
        ruleVersion: audience.ruleVersion,
        ...(audience.pushTopic ? { pushTopic: true } : {}),
      };
      await kv.put(entryKey(audience.account, audience._id), JSON.stringify(entry));
    },
  };
}

async function publishPushTopicOnly(kv: KV, audience: AudienceDocument): Promise<void> {
  const key = entryKey(audience.account, audience._id);
  if (!audience.pushTopic) {
    await kv.delete(key);
    return;
  }
  const { _id: id, account, name, ruleVersion } = audience;
  const entry: CatalogEntry = { id, account, name, ruleVersion, pushTopic: true };
  await kv.put(key, JSON.stringify(entry));
}

/** A worker's live copy of the audiences, kept current by a KV watch. */
export type AudienceCatalog = {
  /** The account's rule audiences, as the customer actor evaluates them. */
  rulesOf: (account: string) => readonly AudienceRule[];
  /** The ids of the account's audiences whose `pushTopic` is on. */
  pushTopicsOf: (account: string) => ReadonlySet<string>;
} & WatchedBucket;

const NONE: readonly AudienceRule[] = [];
const NO_PUSH_TOPICS: ReadonlySet<string> = new Set();

/** Resolves once the bucket's current entries are loaded; later changes apply as they arrive. */
export async function watchAudienceCatalog(nc: NatsConnection, log: Logger): Promise<AudienceCatalog> {
  const kv = await openBucket(nc);
  const byAccount = new Map<string, Map<string, AudienceRule>>();
  // Rebuilt on change, so the hot path (every customer command) reads a ready array.
  const lists = new Map<string, readonly AudienceRule[]>();
  const pushTopics = new Map<string, Set<string>>();
  const apply = (key: string, entry: CatalogEntry | undefined) => {
    const [account = "", audienceId = ""] = key.split(".");
    const audiences = byAccount.get(account) ?? new Map<string, AudienceRule>();
    byAccount.set(account, audiences);
    audiences.delete(audienceId);
    const topics = pushTopics.get(account) ?? new Set<string>();
    pushTopics.set(account, topics);
    if (entry?.pushTopic) topics.add(audienceId);
    else topics.delete(audienceId);
    if (entry && entry.rule !== undefined) {
      const checked = validateRule(entry.rule);
      if (checked.ok) {
        const paths = rulePaths(checked.rule);
        audiences.set(audienceId, { id: audienceId, name: entry.name, rule: checked.rule, paths });
      } else {
        log.error({ account, audience: audienceId, errors: checked.errors }, "catalog rule invalid; skipped");
      }
    }
    lists.set(account, [...audiences.values()]);
  };

  const watched = await watchBucket(
    kv,
    AUDIENCE_CATALOG_BUCKET,
    (key, value) => apply(key, value as CatalogEntry | undefined),
    log,
  );
  return {
    rulesOf: (account) => lists.get(account) ?? NONE,
    pushTopicsOf: (account) => pushTopics.get(account) ?? NO_PUSH_TOPICS,
    caughtUp: watched.caughtUp,
    stop: watched.stop,
  };
}
