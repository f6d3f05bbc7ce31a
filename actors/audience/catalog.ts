import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ClientFacingError } from "../../model/index.ts";
import { ruleBoundsProblem, rulePaths, validateRule } from "../../rules/index.ts";
import type { AudienceDocument } from "../../store/index.ts";
import { type WatchedBucket, watchBucket } from "../../streams/index.ts";
import type { AudienceRule } from "../customer/index.ts";

/**
 * The KV bucket that carries rule audiences to every customer worker: one entry per live RULES
 * audience, keyed `<account>.<audienceId>`. MongoDB holds the definitions; this is their
 * broadcast, so a change reaches every worker within a watch round-trip.
 */
export const AUDIENCE_CATALOG_BUCKET = "masivo_audiences";

type CatalogEntry = { id: string; account: string; name: string; rule: unknown; ruleVersion: number };

const entryKey = (account: string, audienceId: string) => `${account}.${audienceId}`;

async function openBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(AUDIENCE_CATALOG_BUCKET, { history: 1 });
}

/** What the audience operations use to tell the workers. */
export type AudienceCatalogWriter = {
  /**
   * Publishes a RULES audience's current rule, or withdraws any other (STATIC, being deleted).
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
      if (audience.kind !== "RULES" || audience.deleting) return withdraw(audience.account, audience._id);
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
      };
      await kv.put(entryKey(audience.account, audience._id), JSON.stringify(entry));
    },
  };
}

/** A worker's live copy of the rule audiences, kept current by a KV watch. */
export type AudienceCatalog = {
  /** The account's rule audiences, as the customer actor evaluates them. */
  rulesOf: (account: string) => readonly AudienceRule[];
} & WatchedBucket;

const NONE: readonly AudienceRule[] = [];

/** Resolves once the bucket's current entries are loaded; later changes apply as they arrive. */
export async function watchAudienceCatalog(nc: NatsConnection, log: Logger): Promise<AudienceCatalog> {
  const kv = await openBucket(nc);
  const byAccount = new Map<string, Map<string, AudienceRule>>();
  // Rebuilt on change, so the hot path (every customer command) reads a ready array.
  const lists = new Map<string, readonly AudienceRule[]>();
  const apply = (key: string, entry: CatalogEntry | undefined) => {
    const [account = "", audienceId = ""] = key.split(".");
    const audiences = byAccount.get(account) ?? new Map<string, AudienceRule>();
    byAccount.set(account, audiences);
    audiences.delete(audienceId);
    if (entry) {
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
    caughtUp: watched.caughtUp,
    stop: watched.stop,
  };
}
