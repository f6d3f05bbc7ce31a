import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ClientFacingError } from "../../model/index.ts";
import { ruleBoundsProblem, rulePaths, validateRule } from "../../rules/index.ts";
import type { AudienceDocument } from "../../store/index.ts";
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
  /**
   * Resolves once the copy holds every change the bucket had when called: a change written
   * before a command was sent is then seen by everything decided after that command.
   */
  caughtUp: () => Promise<void>;
  stop: () => Promise<void>;
};

/** A watch this far behind is logged and no longer waited for: it must not hold a partition up. */
export const CATCH_UP_TIMEOUT_MS = 10_000;

const NONE: readonly AudienceRule[] = [];

/** Resolves once the bucket's current entries are loaded; later changes apply as they arrive. */
export async function watchAudienceCatalog(nc: NatsConnection, log: Logger): Promise<AudienceCatalog> {
  const kv = await openBucket(nc);
  const byAccount = new Map<string, Map<string, AudienceRule>>();
  // Rebuilt on change, so the hot path (every customer command) reads a ready array.
  const lists = new Map<string, readonly AudienceRule[]>();
  const watch = await kv.watch({ key: ">" });
  const pending = (await kv.status()).values;
  let markLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => {
    markLoaded = resolve;
  });
  if (pending === 0) markLoaded();

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

  // The bucket revision the copy has applied, and who waits for a later one.
  let appliedRevision = 0;
  const waiting = new Set<{ revision: number; resolve: () => void }>();
  const running = (async () => {
    for await (const entry of watch) {
      try {
        apply(entry.key, entry.operation === "PUT" ? entry.json<CatalogEntry>() : undefined);
      } catch (error) {
        log.error({ err: error, key: entry.key }, "catalog entry unreadable; skipped");
      }
      appliedRevision = Math.max(appliedRevision, entry.revision);
      for (const waiter of waiting) if (waiter.revision <= appliedRevision) waiter.resolve();
      // `delta` is how many entries were still pending when this one was delivered.
      if (entry.delta === 0) markLoaded();
    }
  })();

  const caughtUp = async () => {
    const revision = (await kv.status()).streamInfo.state.last_seq;
    if (revision <= appliedRevision) return;
    let timer: NodeJS.Timeout | undefined;
    const waiter = { revision, resolve: () => {} };
    await new Promise<void>((resolve) => {
      waiter.resolve = resolve;
      waiting.add(waiter);
      timer = setTimeout(() => {
        log.warn({ revision, appliedRevision }, "audience catalog still behind; going on without it");
        resolve();
      }, CATCH_UP_TIMEOUT_MS);
    });
    clearTimeout(timer);
    waiting.delete(waiter);
  };

  await loaded;
  return {
    rulesOf: (account) => lists.get(account) ?? NONE,
    caughtUp,
    async stop() {
      watch.stop();
      await running;
    },
  };
}
