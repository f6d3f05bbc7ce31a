import { z } from "zod";
import { CONSENT_PURPOSES, consentValueSchema, devicePlatformSchema } from "./commands.ts";
import { jsonCodec } from "./jsonCodec.ts";
import { accountIdSchema, subjects } from "./subjects.ts";

/**
 * Facts the customer actor decided, published to CHANGES as `{ type, data, metadata }`.
 * Types are past tense; `factSubjectKind` names the CHANGES subject each one goes to.
 */

const jsonObject = z.record(z.string(), z.unknown());
const timestamp = z.iso.datetime();

/** Top-level profile fields a `customer.profileChanged` fact can name in `changed`. */
export const PROFILE_FIELDS = [
  "email",
  "phone",
  "firstName",
  "lastName",
  "tier",
  "attributes",
  "consent",
  "identified",
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** Every purpose, each GRANTED, DENIED or UNKNOWN. */
export const consentStateSchema = z.record(z.enum(CONSENT_PURPOSES), consentValueSchema);

export const profileSchema = z.object({
  email: z.string().optional(),
  phone: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  tier: z.string().optional(),
});

/** The customer's profile after the change, whole; `changed` names what differs from before. */
export const profileChangedDataSchema = z.object({
  profile: profileSchema,
  attributes: jsonObject,
  consent: consentStateSchema,
  identified: z.boolean(),
  /** True when this change created the customer (a destination may create the user). */
  created: z.boolean(),
  changed: z.array(z.enum(PROFILE_FIELDS)),
});

export const eventRecordedDataSchema = z.object({
  /** The command id the event came with (the client's idempotency key when given). */
  eventId: z.string().min(1),
  name: z.string().min(1),
  timestamp,
  properties: jsonObject,
  /** Internal events (REGISTRATION, FULFILL, …) are never forwarded to Braze. */
  internal: z.boolean(),
});

export const purchaseItemSchema = z.object({
  sku: z.string().min(1),
  name: z.string().optional(),
  /** Unit price, never negative: `sign` says whether the items were bought or given back. */
  price: z.number().finite().nonnegative(),
  quantity: z.number().int().positive(),
});

export const purchaseRecordedDataSchema = z.object({
  orderId: z.string().min(1),
  currency: z.string(),
  /** 1: fulfilled; -1: undone by a REVERSE or CANCEL. */
  sign: z.union([z.literal(1), z.literal(-1)]),
  cause: z.enum(["FULFILL", "REVERSE", "CANCEL"]),
  items: z.array(purchaseItemSchema).min(1),
  timestamp,
  /** Reversal requests larger than what remained, and what was applied instead. */
  clamped: z
    .array(z.object({ sku: z.string(), requested: z.number().int(), applied: z.number().int().nonnegative() }))
    .optional(),
});

/**
 * A customer entered or left an audience. `runId` names the audience run that caused it; real-time
 * changes have none. `audienceName` is the name at the time (destinations name attributes after
 * it; absent when a customer's deletion exits it); `audienceDeleted` marks the exits of a deletion.
 */
export const membershipChangedDataSchema = z.object({
  audienceId: z.string().min(1),
  audienceName: z.string().min(1).optional(),
  change: z.enum(["ENTERED", "EXITED"]),
  at: timestamp,
  runId: z.string().min(1).optional(),
  audienceDeleted: z.boolean().optional(),
});

/**
 * An audience run's command left the customer's membership as it was: the run counts it as done.
 * Only runs cause it; `member` is the membership the customer keeps.
 */
export const membershipUnchangedDataSchema = z.object({
  audienceId: z.string().min(1),
  runId: z.string().min(1),
  member: z.boolean(),
});

export const factMetadataSchema = z.object({
  account: accountIdSchema,
  customerId: z.string().min(1),
  /** Deterministic: derived from the INGEST sequence, so reprocessing republishes the same id. */
  factId: z.string().min(1),
  at: timestamp,
  /** Stream sequence of the INGEST message that caused the fact. */
  sourceSeq: z.number().int().nonnegative(),
});
export type FactMetadata = z.infer<typeof factMetadataSchema>;

const fact = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), data, metadata: factMetadataSchema });

/** Every CHANGES fact. */
export const customerFactSchema = z.discriminatedUnion("type", [
  fact("customer.profileChanged", profileChangedDataSchema),
  fact("customer.deleted", z.object({})),
  fact("event.recorded", eventRecordedDataSchema),
  fact("purchase.recorded", purchaseRecordedDataSchema),
  fact("tags.changed", z.object({ tags: z.array(z.string()) })),
  fact(
    "device.registered",
    z.object({ token: z.string().min(1), platform: devicePlatformSchema, appId: z.string().optional() }),
  ),
  fact("device.unregistered", z.object({ token: z.string().min(1) })),
  fact("membership.changed", membershipChangedDataSchema),
  fact("membership.unchanged", membershipUnchangedDataSchema),
]);
export type CustomerFact = z.infer<typeof customerFactSchema>;
export type CustomerFactType = CustomerFact["type"];
export type FactOf<T extends CustomerFactType> = Extract<CustomerFact, { type: T }>;

type WithoutMetadata<F> = F extends { type: infer T; data: infer D } ? { type: T; data: D } : never;
/** A fact as the machine decides it; the runtime adds `metadata` (see `completeFact`). */
export type CustomerFactDraft = WithoutMetadata<CustomerFact>;
export type ProfileChangedData = z.infer<typeof profileChangedDataSchema>;
export type EventRecordedData = z.infer<typeof eventRecordedDataSchema>;
export type PurchaseRecordedData = z.infer<typeof purchaseRecordedDataSchema>;
export type PurchaseItem = z.infer<typeof purchaseItemSchema>;
export type MembershipChangedData = z.infer<typeof membershipChangedDataSchema>;
export type MembershipChangeKind = MembershipChangedData["change"];

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
  const kind = factSubjectKind(fact.type);
  if (fact.type === "membership.changed" || fact.type === "membership.unchanged") {
    return subjects.change(fact.metadata.account, `${kind}.${fact.data.audienceId}`);
  }
  return subjects.change(fact.metadata.account, kind);
}

/** The id of the `index`-th fact caused by INGEST message `sourceSeq`: stable across reprocessing. */
export function factIdOf(account: string, sourceSeq: number, index: number): string {
  return `${account}:${sourceSeq}:${index}`;
}

/** Adds the runtime's metadata to a fact the machine decided. */
export function completeFact(draft: CustomerFactDraft, metadata: FactMetadata): CustomerFact {
  return { ...draft, metadata } as CustomerFact;
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
