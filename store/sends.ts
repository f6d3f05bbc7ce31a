import type { Db } from "mongodb";
import type { Channel, MessageCategory, MessageStatus } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

/**
 * Where a send is in the ledger. QUEUED: decided, not yet taken; SENDING: a channel worker holds
 * it (`claim`) and may be calling the provider; the rest are final.
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
  /** Who holds a SENDING send, and since when. */
  claim?: string;
  claimedAt?: Date;
  /**
   * Set when a worker took the send over from one that died while calling the provider: the
   * message may have left already, and went again (push, in-app, email once) or was recorded UNKNOWN.
   */
  takenOverAt?: Date;
  /**
   * How many times the send's outcome was unknown (no answer, or a worker that died calling):
   * email goes again once after one, never after two.
   */
  unknownOutcomes?: number;
  /** When the actor decided it. */
  createdAt: Date;
  updatedAt: Date;
  sentAt?: Date;
};

/** A send as the actor decided it, for `record`. */
export type DecidedSend = Omit<SendDocument, "_id" | "attempts" | "updatedAt" | "claim" | "claimedAt">;

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
   * Takes the QUEUED sends among `ids` for `claim` (SENDING), and the SENDING ones whose claim is
   * older than `staleBefore` (their worker died while calling), marked `takenOverAt`. Answers the
   * sends taken, each counted as one more attempt.
   */
  claim: (ids: string[], claim: string, staleBefore: Date, now: Date) => Promise<SendDocument[]>;
  /** Tells that `claim` still holds these sends (is still sending them), so no one takes them over. */
  renew: (claim: string, ids: string[], now: Date) => Promise<void>;
  /** Records final outcomes of sends `claim` holds; a send it no longer holds is left alone. */
  finish: (claim: string, outcomes: SendOutcome[], now: Date) => Promise<void>;
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

export function sendId(account: string, sendKey: string): string {
  return `${account}:${sendKey}`;
}

export function sendsRepository(db: Db): Sends {
  const collection = db.collection<SendDocument>(SENDS_COLLECTION);
  const byIds = async (ids: string[]) => {
    const found = await collection.find({ _id: { $in: ids } }).toArray();
    return new Map(found.map((document) => [document._id, document]));
  };
  return {
    async record(sends, now) {
      if (sends.length === 0) return new Map();
      const documents = sends.map((send) => ({
        ...send,
        _id: sendId(send.account, send.sendKey),
        attempts: 0,
        updatedAt: now,
      }));
      try {
        await collection.insertMany(documents, { ordered: false });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      return byIds(documents.map((document) => document._id));
    },
    async claim(ids, claim, staleBefore, now) {
      if (ids.length === 0) return [];
      await collection.updateMany(
        { _id: { $in: ids }, status: "QUEUED" },
        { $set: { status: "SENDING", claim, claimedAt: now, updatedAt: now }, $inc: { attempts: 1 } },
      );
      await collection.updateMany(
        { _id: { $in: ids }, status: "SENDING", claim: { $ne: claim }, claimedAt: { $lt: staleBefore } },
        {
          $set: { claim, claimedAt: now, takenOverAt: now, updatedAt: now },
          $inc: { attempts: 1, unknownOutcomes: 1 },
        },
      );
      return collection.find({ _id: { $in: ids }, status: "SENDING", claim }).toArray();
    },
    async renew(claim, ids, now) {
      if (ids.length === 0) return;
      await collection.updateMany({ _id: { $in: ids }, status: "SENDING", claim }, { $set: { claimedAt: now } });
    },
    async finish(claim, outcomes, now) {
      if (outcomes.length === 0) return;
      await collection.bulkWrite(
        outcomes.map(({ id, status, reason, providerMessageId }) => ({
          updateOne: {
            filter: { _id: id, status: "SENDING", claim },
            update: {
              $set: {
                status,
                updatedAt: now,
                ...(reason === undefined ? {} : { reason }),
                ...(providerMessageId === undefined ? {} : { providerMessageId }),
                ...(status === "SENT" ? { sentAt: now } : {}),
              },
              $unset: { claim: "", claimedAt: "" },
            },
          },
        })),
        { ordered: false },
      );
    },
    async release(claim, ids, reason, unknown, now) {
      if (ids.length === 0) return;
      await collection.updateMany(
        { _id: { $in: ids }, status: "SENDING", claim },
        {
          $set: { status: "QUEUED", reason, updatedAt: now },
          $unset: { claim: "", claimedAt: "" },
          ...(unknown ? { $inc: { unknownOutcomes: 1 } } : {}),
        },
      );
    },
    page(account, customerId, first, before) {
      const after = before
        ? { $or: [{ createdAt: { $lt: before.createdAt } }, { createdAt: before.createdAt, _id: { $lt: before.id } }] }
        : {};
      return collection
        .find({ account, customerId, ...after })
        .sort({ createdAt: -1, _id: -1 })
        .limit(first)
        .toArray();
    },
    async get(account, sendKey) {
      return (await collection.findOne({ _id: sendId(account, sendKey) })) ?? undefined;
    },
  };
}

/** The ledger's indexes: a customer's history, newest first. */
export async function ensureSendIndexes(db: Db): Promise<void> {
  await db.collection(SENDS_COLLECTION).createIndex({ account: 1, customerId: 1, createdAt: -1, _id: -1 });
}
