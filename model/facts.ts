import { z } from "zod";
import { channelSchema, MESSAGE_STATUSES, suppressionReasonSchema } from "./channel.ts";
import { consentStateSchema } from "./consent.ts";
import { devicePlatformSchema } from "./device.ts";
import { accountIdSchema, customerIdSchema } from "./identifiers.ts";
import { journeyChangedDataSchema } from "./journey.ts";
import { jsonObjectSchema } from "./json.ts";
import { PROFILE_PARTS, profileSchema } from "./profile.ts";
import { pushTopicChangedDataSchema } from "./pushTopics.ts";
import { sendDecidedDataSchema, sendKeySchema, sendSourceSchema } from "./send.ts";

/**
 * Facts the customer actor decided, published to CHANGES as `{ type, data, metadata }`, named in
 * the past tense, except `send.decided` and `pushTopic.changed`, which go to MESSAGES for a channel, and
 * `message.recorded`, which a channel publishes once it recorded what became of a send.
 * Destinations, channels and subscriptions read facts only.
 */

const timestamp = z.iso.datetime();

/** The customer's profile after the change, whole; `changed` names what differs from before. */
export const profileChangedDataSchema = z.object({
  profile: profileSchema,
  attributes: jsonObjectSchema,
  consent: consentStateSchema,
  identified: z.boolean(),
  /** True when this change created the customer (a destination may create the user). */
  created: z.boolean(),
  changed: z.array(z.enum(PROFILE_PARTS)),
});

export const eventRecordedDataSchema = z.object({
  /** The command id the event came with (the client's idempotency key when given). */
  eventId: z.string().min(1),
  name: z.string().min(1),
  timestamp,
  properties: jsonObjectSchema,
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

/**
 * An audience was renamed: `member` is the customer's membership now, unchanged by the rename, and
 * destinations move it from `previousName` to `audienceName`. Only RENAME runs cause it.
 */
export const membershipRenamedDataSchema = z.object({
  audienceId: z.string().min(1),
  previousName: z.string().min(1),
  audienceName: z.string().min(1),
  member: z.boolean(),
  runId: z.string().min(1),
});

/**
 * A part of a customer's whole current state, for one integration's resync (`integration.resync`):
 * only that integration reads it, as the facts it stands for (a profile change naming every part,
 * its tags, its memberships; or its deletion). Parts, each no larger than the facts they stand
 * for, so that a resync needs no larger messages than the rest of CHANGES. On a subject of its
 * own, so readers of membership facts (audience sizes, histories) never see it.
 */
export const customerResyncedDataSchema = z.object({
  integrationId: z.string().min(1),
  resyncId: z.string().min(1),
  current: z.discriminatedUnion("part", [
    z.object({
      part: z.literal("profile"),
      profile: profileSchema,
      attributes: jsonObjectSchema,
      consent: consentStateSchema,
      identified: z.boolean(),
    }),
    z.object({ part: z.literal("tags"), tags: z.array(z.string()) }),
    /** The ids of the audiences the customer is in. */
    z.object({ part: z.literal("memberships"), audienceIds: z.array(z.string().min(1)) }),
    z.object({ part: z.literal("deleted") }),
  ]),
});

/**
 * What became of a send, recorded by its channel in the send ledger: QUEUED once the channel took
 * it, then SENT, SUPPRESSED, FAILED or UNKNOWN, with the reason (a suppression reason, or the
 * provider's or renderer's error).
 */
export const messageRecordedDataSchema = z.object({
  sendKey: sendKeySchema,
  channel: channelSchema,
  status: z.enum(MESSAGE_STATUSES),
  reason: z.union([suppressionReasonSchema, z.string().min(1)]).optional(),
  templateId: z.string().min(1),
  templateVersion: z.number().int().positive(),
  source: sendSourceSchema,
  providerMessageId: z.string().optional(),
  at: timestamp,
});

export const factMetadataSchema = z.object({
  account: accountIdSchema,
  customerId: customerIdSchema,
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
  fact("membership.renamed", membershipRenamedDataSchema),
  fact("customer.resynced", customerResyncedDataSchema),
  // Published to MESSAGES, for the channel, rather than to CHANGES (see streams/facts.ts).
  fact("send.decided", sendDecidedDataSchema),
  fact("message.recorded", messageRecordedDataSchema),
  fact("journey.changed", journeyChangedDataSchema),
  // Published to MESSAGES, for the push topic worker (see streams/facts.ts).
  fact("pushTopic.changed", pushTopicChangedDataSchema),
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
export type CustomerResyncedData = z.infer<typeof customerResyncedDataSchema>;
export type MessageRecordedData = z.infer<typeof messageRecordedDataSchema>;
export type MembershipChangeKind = MembershipChangedData["change"];

/** Every fact type, in the order of the union. */
export const FACT_TYPES = customerFactSchema.options.map((option) => option.shape.type.value);

/** Adds the runtime's metadata to a fact the machine decided. */
export function completeFact(draft: CustomerFactDraft, metadata: FactMetadata): CustomerFact {
  return { ...draft, metadata } as CustomerFact;
}
