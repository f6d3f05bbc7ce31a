import { createHash } from "node:crypto";
import {
  CHANNEL_SUBJECT_TOKENS,
  type CustomerFact,
  type CustomerFactType,
  customerFactSchema,
  type FactOf,
} from "../model/index.ts";
import { jsonCodec } from "./jsonCodec.ts";
import { subjects } from "./subjects.ts";

const SUBJECT_KINDS = {
  "customer.profileChanged": "profile",
  "customer.deleted": "deleted",
  "event.recorded": "event",
  "purchase.recorded": "purchase",
  "tags.changed": "tags",
  "device.registered": "devices",
  "device.unregistered": "devices",
  "membership.changed": "membership",
  "membership.unchanged": "membership",
  "membership.renamed": "membership",
  "customer.resynced": "resync",
  "message.recorded": "message",
  "journey.changed": "journey",
  // Never on CHANGES: a decided send goes to its channel's MESSAGES subject (see `factSubject`).
  "send.decided": "send",
  // Never on CHANGES either: on MESSAGES, for the push topic worker.
  "pushTopic.changed": "pushtopic",
} as const satisfies Record<CustomerFactType, string>;
export type FactSubjectKind = (typeof SUBJECT_KINDS)[CustomerFactType];

/**
 * The CHANGES subject kind of a fact type: publish to `subjects.change(account, factSubjectKind(type))`.
 * Membership facts go one level deeper, per audience (see `factSubject`).
 *
 * @example
 * factSubjectKind("purchase.recorded"); // "purchase"
 */
export function factSubjectKind(type: CustomerFactType): FactSubjectKind {
  return SUBJECT_KINDS[type];
}

/**
 * The CHANGES subject a fact is published to: `chg.<account>.<kind>`, and for membership facts
 * `chg.<account>.membership.<audienceId>`, so one audience's changes can be subscribed to alone.
 */
export function factSubject(fact: CustomerFact): string {
  if (fact.type === "send.decided") return sendSubject(fact);
  if (fact.type === "pushTopic.changed") return subjects.pushTopicChange(fact.metadata.account);
  const kind = factSubjectKind(fact.type);
  if (
    fact.type === "membership.changed" ||
    fact.type === "membership.unchanged" ||
    fact.type === "membership.renamed"
  ) {
    return subjects.change(fact.metadata.account, `${kind}.${fact.data.audienceId}`);
  }
  return subjects.change(fact.metadata.account, kind);
}

/**
 * Where a decided send goes: its channel's subject, `msg.<account>.<channel>`, read by the
 * channel's workers.
 */
export function sendSubject(fact: FactOf<"send.decided">): string {
  return subjects.message(fact.metadata.account, CHANNEL_SUBJECT_TOKENS[fact.data.channel]);
}

/**
 * The MESSAGES subject of a send deferred by quiet hours: a NATS message schedule of its own (one
 * pending schedule per subject), firing into the channel's subject when the quiet hours end. Send
 * keys may hold any character, so the subject carries their hash.
 */
export function deferredSendSubject(fact: FactOf<"send.decided">): string {
  const hash = createHash("sha256").update(fact.data.sendKey).digest("base64url");
  return subjects.deferredMessage(fact.metadata.account, hash);
}

/** The id of the `index`-th fact caused by INGEST message `sourceSeq`: stable across reprocessing. */
export function factIdOf(account: string, sourceSeq: number, index: number): string {
  return `${account}:${sourceSeq}:${index}`;
}

const factCodec = jsonCodec(customerFactSchema);

export const encodeFact: (fact: CustomerFact) => Uint8Array = factCodec.encode;

/** Decodes and validates a CHANGES payload; throws on a malformed one. */
export const decodeFact: (payload: Uint8Array) => CustomerFact = factCodec.decode;

const utf8 = new TextDecoder();

/**
 * Reads a CHANGES payload checking only its envelope (a fact type this version knows, a customer
 * and an account), trusting its data: CHANGES is written by Masivo alone, from commands validated
 * where they entered, so a reader of every fact (a destination) need not validate each one again.
 * Throws on a payload that is not JSON or not such an envelope, as `decodeFact` does.
 */
export function readTrustedFact(payload: Uint8Array): CustomerFact {
  const value: unknown = JSON.parse(utf8.decode(payload));
  if (!isFactEnvelope(value)) throw new Error("not a CHANGES fact: unknown type, or no data or metadata");
  return value as CustomerFact;
}

function isFactEnvelope(value: unknown): value is Pick<CustomerFact, "type" | "metadata"> {
  if (typeof value !== "object" || value === null) return false;
  const { type, data, metadata } = value as Record<string, unknown>;
  if (typeof type !== "string" || !Object.hasOwn(SUBJECT_KINDS, type)) return false;
  if (typeof data !== "object" || data === null || typeof metadata !== "object" || metadata === null) return false;
  const { account, customerId } = metadata as Record<string, unknown>;
  return typeof account === "string" && typeof customerId === "string" && customerId !== "";
}
