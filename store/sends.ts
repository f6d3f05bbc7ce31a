import type { Collection, Db } from "mongodb";
import type { Channel, MessageCategory, MessageStatus } from "../model/index.ts";
import { duplicateKeyIndexes, isDuplicateKey } from "./duplicateKey.ts";
import type { Store } from "./mongo.ts";

/**
 * Where a send is in the ledger. QUEUED: decided, not yet sent (a worker may hold it: see
 * `sendClaims`); the rest are final. SENDING is how a held send reads to the pipeline.
 */
export type LedgerStatus = MessageStatus | "SENDING";

/**
 * One send in the ledger (`sends`), the truth of what became of it and the history `messages`
 * reads. `_id` is `<account>:<send key>`: send keys are chosen by clients (`idempotencyKey`), so
 * two accounts' may match.
 */
export type SendDocument = {
  _id: string;
  account: string;
  customerId: string;
  sendKey: string;
  channel: Channel;
  category: MessageCategory;
  templateId: string;
  templateVersion: number;
  source: string;
  status: LedgerStatus;
  reason?: string;
  providerMessageId?: string;
  /** Provider calls started, over every delivery of the send. */
  attempts: number;
  /**
   * How many times the send's outcome was unknown (no answer, or a worker that died calling):
   * email goes again once after one, never after two.
   */
  unknownOutcomes?: number;
  /** Who holds a send being sent, and since when (see `SendClaim`). */
  claim?: string;
  claimedAt?: Date;
  /**
   * Set when a worker took the send over from one that died while calling the provider: the
   * message may have left already, and went again (push, in-app, email once) or was recorded UNKNOWN.
   */
  takenOverAt?: Date;
  /** When the actor decided it. */
  createdAt: Date;
  updatedAt: Date;
  sentAt?: Date;
};

/**
 * What became of a send, written once (`sendOutcomes`, `_id` as the send's): an insertion, so a
 * second holder finishing the same send is refused by the unique `_id`, and the ledger is written
 * with inserts alone, which FerretDB v1 carries in bulk (its bulk updates deadlock: see
 * customers.ts).
 */
type SendOutcomeDocument = {
  _id: string;
  status: Exclude<MessageStatus, "QUEUED" | "SUPPRESSED">;
  reason?: string;
  providerMessageId?: string;
  attempts: number;
  unknownOutcomes: number;
  takenOverAt?: Date;
  at: Date;
};

/**
 * A send a worker holds, or held and handed back to be tried again (`claim` null), in a
 * collection of its own (`sendClaims`) that holds only the sends under way: the conditional
 * writes of claiming scan it, and it stays small however long the history in `sends` grows.
 * Deleted once the send is final.
 */
type SendClaim = {
  _id: string;
  claim: string | null;
  claimedAt: Date;
  attempts: number;
  unknownOutcomes: number;
  takenOverAt?: Date;
  /** Why it was handed back, the last time. */
  reason?: string;
};

/** A send as the actor decided it, for `record`. */
export type DecidedSend = Omit<
  SendDocument,
  "_id" | "attempts" | "updatedAt" | "claim" | "claimedAt" | "unknownOutcomes" | "takenOverAt"
>;

/**
 * When a send another claim holds is taken over: its holder's claim is older than `staleBefore`
 * (it died while calling), unless the claiming process knows that holder is `alive` (one of its
 * own batches under way, slow to renew while the store is slow).
 */
export type Takeover = { staleBefore: Date; alive: (holder: string) => boolean };

/** A final answer for a send a worker holds. */
export type SendOutcome = {
  id: string;
  status: Exclude<MessageStatus, "QUEUED">;
  reason?: string;
  providerMessageId?: string;
};

export type Sends = {
  /**
   * Records decided sends (QUEUED or SUPPRESSED), each once: one already recorded keeps what it
   * holds. Answers every send's entry as it is now, by id.
   */
  record: (sends: DecidedSend[], now: Date) => Promise<Map<string, SendDocument>>;
  /**
   * Takes the queued sends among `entries` (as `record` answered them) for `claim`: those no one
   * holds, and those whose holder went silent (see `Takeover`), marked `takenOverAt`. Answers the
   * sends taken (status SENDING), each counted as one more attempt; never a final one.
   */
  claim: (entries: SendDocument[], claim: string, takeover: Takeover, now: Date) => Promise<SendDocument[]>;
  /** Tells that `claim` still holds these sends (is still sending them), so no one takes them over. */
  renew: (claim: string, ids: string[], now: Date) => Promise<void>;
  /**
   * Records the final outcome of sends as `claim` answered them (one insert each: the first
   * outcome of a send stands). Their claims stay until `forget`: a claim left behind by a worker
   * that died is found finished by the next one.
   */
  finish: (held: { entry: SendDocument; outcome: SendOutcome }[], now: Date) => Promise<void>;
  /** Drops `claim`'s claims on sends that are final. */
  forget: (claim: string, ids: string[]) => Promise<void>;
  /**
   * Hands sends `claim` holds back to the queue, to be tried again later; `unknown`: their
   * outcome was unknown (counted in `unknownOutcomes`).
   */
  release: (claim: string, ids: string[], reason: string, unknown: boolean, now: Date) => Promise<void>;
  /** A customer's sends, newest first, before `before` (a `createdAt`/`_id` cursor). */
  page: (
    account: string,
    customerId: string,
    first: number,
    before?: { createdAt: Date; id: string },
  ) => Promise<SendDocument[]>;
  get: (account: string, sendKey: string) => Promise<SendDocument | undefined>;
};

export const SENDS_COLLECTION = "sends";
export const SEND_CLAIMS_COLLECTION = "sendClaims";
export const SEND_OUTCOMES_COLLECTION = "sendOutcomes";

export function sendId(account: string, sendKey: string): string {
  return `${account}:${sendKey}`;
}

/** The repository on a store. */
export function sendsOf(store: Store): Sends {
  return sendsRepository(store.db);
}

export function sendsRepository(db: Db): Sends {
  const sends = db.collection<SendDocument>(SENDS_COLLECTION);
  const claims = db.collection<SendClaim>(SEND_CLAIMS_COLLECTION);
  // One `_id` look-up each: the form every MongoDB-compatible store answers from an index.
  const byIds = async <T extends { _id: string }>(collection: Collection<T>, ids: string[]) => {
    const found = await Promise.all(ids.map((_id) => collection.findOne({ _id } as never)));
    return new Map(found.filter((document) => document !== null).map((document) => [document._id, document as T]));
  };
  const outcomes = db.collection<SendOutcomeDocument>(SEND_OUTCOMES_COLLECTION);
  /** The entries of these sends as they are now: as recorded, with their outcome once final. */
  const entriesOf = async (ids: string[]) => {
    const [recorded, finished] = await Promise.all([byIds(sends, ids), byIds(outcomes, ids)]);
    for (const [id, outcome] of finished) {
      const entry = recorded.get(id);
      if (entry) recorded.set(id, withOutcome(entry, outcome));
    }
    return recorded;
  };
  /** Entries as `messages` shows them: with their outcome, or why a queued one was handed back. */
  const shown = async (entries: SendDocument[]) => {
    const ids = entries.map((entry) => entry._id);
    const [finished, claimed] = await Promise.all([byIds(outcomes, ids), byIds(claims, ids)]);
    return entries.map((entry) => {
      const outcome = finished.get(entry._id);
      if (outcome) return withOutcome(entry, outcome);
      const reason = claimed.get(entry._id)?.reason;
      return reason === undefined ? entry : { ...entry, reason };
    });
  };
  const held = (claim: string, ids: string[]) => claims.find({ _id: { $in: ids }, claim }).toArray();

  return {
    async record(decided, now) {
      if (decided.length === 0) return new Map();
      const documents = decided.map((send) => ({
        ...send,
        _id: sendId(send.account, send.sendKey),
        attempts: 0,
        updatedAt: now,
      }));
      let duplicates: number[] = [];
      try {
        await sends.insertMany(documents, { ordered: false });
      } catch (error) {
        duplicates = duplicateKeyIndexes(error) ?? [];
        if (duplicates.length === 0) throw error;
      }
      // Only the sends recorded before are read: what was inserted now is as it was written.
      const entries = new Map<string, SendDocument>(documents.map((document) => [document._id, document]));
      const earlier = await entriesOf(duplicates.map((index) => documents[index]?._id as string));
      for (const [id, entry] of earlier) entries.set(id, entry);
      return entries;
    },

    async claim(entries, claim, takeover, now) {
      if (entries.length === 0) return [];
      const ids = entries.map((entry) => entry._id);
      const fresh = ids.map((_id) => ({ _id, claim, claimedAt: now, attempts: 1, unknownOutcomes: 0 }));
      let taken: string[] = [];
      try {
        await claims.insertMany(fresh, { ordered: false });
      } catch (error) {
        const duplicates = duplicateKeyIndexes(error);
        if (!duplicates) throw error;
        taken = duplicates.map((index) => ids[index] as string);
      }
      if (taken.length > 0) {
        // Each claim someone else has is compared and set as it was read: two workers taking
        // the same stale send over, only one succeeds.
        const existing = await byIds(claims, taken);
        await Promise.all(
          [...existing.values()].map((current) => {
            if (current.claim === null) {
              return claims.updateOne(
                { _id: current._id, claim: null, claimedAt: current.claimedAt },
                { $set: { claim, claimedAt: now }, $inc: { attempts: 1 } },
              );
            }
            if (current.claim === claim || current.claimedAt >= takeover.staleBefore) return undefined;
            if (takeover.alive(current.claim)) return undefined;
            return claims.updateOne(
              { _id: current._id, claim: current.claim, claimedAt: current.claimedAt },
              { $set: { claim, claimedAt: now, takenOverAt: now }, $inc: { attempts: 1, unknownOutcomes: 1 } },
            );
          }),
        );
      }
      const ours = await held(claim, ids);
      // Read after the claim: a send its last holder finished before we claimed it has its outcome.
      const done = await byIds(
        outcomes,
        ours.map((held) => held._id),
      );
      const finished = ours.filter((held) => done.has(held._id));
      const recorded = new Map(entries.map((entry) => [entry._id, entry]));
      if (finished.length > 0) {
        await claims.deleteMany({ _id: { $in: finished.map((held) => held._id) }, claim });
      }
      return ours
        .filter((held) => !finished.includes(held))
        .map((held) => {
          const { claim: holder, claimedAt, attempts, unknownOutcomes, takenOverAt } = held;
          const entry = recorded.get(held._id) as SendDocument;
          return {
            ...entry,
            status: "SENDING" as const,
            claim: holder ?? claim,
            claimedAt,
            attempts: entry.attempts + attempts,
            unknownOutcomes: (entry.unknownOutcomes ?? 0) + unknownOutcomes,
            ...(takenOverAt ? { takenOverAt } : {}),
          };
        });
    },

    async renew(claim, ids, now) {
      if (ids.length === 0) return;
      await claims.updateMany({ _id: { $in: ids }, claim }, { $set: { claimedAt: now } });
    },

    async finish(held, now) {
      if (held.length === 0) return;
      const documents = held.map(({ entry, outcome }): SendOutcomeDocument => {
        const { status, reason, providerMessageId } = outcome;
        // What the claim counted (the entry as `claim` answered it), over the entry as recorded.
        const attempts = entry.attempts;
        return {
          _id: entry._id,
          status: status as SendOutcomeDocument["status"],
          attempts,
          unknownOutcomes: entry.unknownOutcomes ?? 0,
          at: now,
          ...(reason === undefined ? {} : { reason }),
          ...(providerMessageId === undefined ? {} : { providerMessageId }),
          ...(entry.takenOverAt ? { takenOverAt: entry.takenOverAt } : {}),
        };
      });
      try {
        await outcomes.insertMany(documents, { ordered: false });
      } catch (error) {
        // Another holder finished it first (it was taken over while alive): its outcome stands.
        if (!isDuplicateKey(error)) throw error;
      }
    },

    async forget(claim, ids) {
      if (ids.length === 0) return;
      await claims.deleteMany({ _id: { $in: ids }, claim });
    },

    async release(claim, ids, reason, unknown, now) {
      if (ids.length === 0) return;
      await claims.updateMany(
        { _id: { $in: ids }, claim },
        { $set: { claim: null, claimedAt: now, reason }, ...(unknown ? { $inc: { unknownOutcomes: 1 } } : {}) },
      );
    },

    async page(account, customerId, first, before) {
      const after = before
        ? { $or: [{ createdAt: { $lt: before.createdAt } }, { createdAt: before.createdAt, _id: { $lt: before.id } }] }
        : {};
      const page = await sends
        .find({ account, customerId, ...after })
        .sort({ createdAt: -1, _id: -1 })
        .limit(first)
        .toArray();
      return shown(page);
    },

    async get(account, sendKey) {
      const entry = await sends.findOne({ _id: sendId(account, sendKey) });
      return entry ? (await shown([entry]))[0] : undefined;
    },
  };
}

function withOutcome(entry: SendDocument, outcome: SendOutcomeDocument): SendDocument {
  const { _id, at, attempts, unknownOutcomes, ...rest } = outcome;
  return {
    ...entry,
    ...rest,
    attempts: entry.attempts + attempts,
    unknownOutcomes: (entry.unknownOutcomes ?? 0) + unknownOutcomes,
    updatedAt: at,
    ...(outcome.status === "SENT" ? { sentAt: at } : {}),
  };
}

/** MongoDB's answer to creating a collection that exists (another worker made it first). */
const NAMESPACE_EXISTS = 48;

/**
 * The ledger's indexes (a customer's history, newest first) and its collections, made before the
 * first send: FerretDB takes seconds to create a collection, which that send would wait for.
 */
export async function ensureSendIndexes(db: Db): Promise<void> {
  await db.collection(SENDS_COLLECTION).createIndex({ account: 1, customerId: 1, createdAt: -1, _id: -1 });
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map(({ name }) => name));
  for (const name of [SEND_CLAIMS_COLLECTION, SEND_OUTCOMES_COLLECTION]) {
    if (existing.has(name)) continue;
    await db.createCollection(name).catch((error: unknown) => {
      if ((error as { code?: number }).code !== NAMESPACE_EXISTS) throw error;
    });
  }
}
