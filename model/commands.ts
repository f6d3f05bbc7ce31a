import { z } from "zod";
import { CONSENT_PURPOSES, consentPatchSchema } from "./consent.ts";
import { devicePlatformSchema } from "./device.ts";
import { accountIdSchema, customerIdSchema } from "./identifiers.ts";
import { wakeCustomerDataSchema } from "./journey.ts";
import { jsonObjectSchema } from "./json.ts";
import { profileSchema } from "./profile.ts";
import { sendMessageDataSchema } from "./send.ts";

/**
 * Commands for one customer, carried on INGEST as `{ type, data, metadata }`: requests, named in
 * the imperative, that the customer's actor decides on.
 */

/** Who and when, common to every command. */
const metadataSchema = z.object({
  account: accountIdSchema,
  customerId: customerIdSchema,
  /** The message id it was published under (also the Ack id). */
  commandId: z.string().min(1),
  acceptedAt: z.iso.datetime(),
});
export type CommandMetadata = z.infer<typeof metadataSchema>;

export const upsertCustomerDataSchema = profileSchema.extend({
  attributes: jsonObjectSchema.optional(),
  tags: z.array(z.string()).optional(),
  consent: consentPatchSchema.optional(),
  identified: z.boolean().optional(),
});

/** An event; its id is the command id (the client's when given), its time defaults to acceptance. */
export const trackEventDataSchema = z.object({
  name: z.string().min(1),
  timestamp: z.iso.datetime().optional(),
  properties: jsonObjectSchema,
});

export const registerDeviceDataSchema = z.object({
  token: z.string().min(1),
  platform: devicePlatformSchema,
  appId: z.string().optional(),
});

/**
 * Asks a customer to re-evaluate one audience's rule (sent by a recalculation or a sweep). The rule
 * travels with the command, so the actor decides with the rule the run was started for, whatever
 * its local copy of the definitions says yet.
 */
export const evaluateAudienceDataSchema = z.object({
  audienceId: z.string().min(1),
  /** The audience's name when the run started; carried into the facts for destinations. */
  audienceName: z.string().min(1).optional(),
  runId: z.string().min(1),
  rule: z.unknown(),
});

/** Makes a customer a member of an audience or not, without a rule (static imports, audience deletion). */
export const setMembershipDataSchema = z.object({
  audienceId: z.string().min(1),
  audienceName: z.string().min(1).optional(),
  runId: z.string().min(1),
  member: z.boolean(),
  /** The exit is the audience's deletion (destinations unset rather than set false). */
  audienceDeleted: z.boolean().optional(),
});

/**
 * Tells a customer that an audience was renamed (sent by a RENAME run to its members and to anyone
 * who entered or left it in the facts CHANGES holds): the actor answers with its membership under
 * both names, so destinations move what they keep under the old name to the new one.
 */
export const renameMembershipDataSchema = z.object({
  audienceId: z.string().min(1),
  previousName: z.string().min(1),
  audienceName: z.string().min(1),
  runId: z.string().min(1),
});

/**
 * Asks a customer for its whole current state, for one integration only (sent by that
 * integration's resync): the actor answers in order with its other facts, so the state sent is
 * never older than a fact already in CHANGES, which a snapshot read from the store could be.
 */
export const resyncIntegrationDataSchema = z.object({
  integrationId: z.string().min(1),
  resyncId: z.string().min(1),
});

/**
 * The customer followed an unsubscribe link (`/unsubscribe/<token>`): consent to the purpose
 * becomes DENIED for marketing, while transactional messages (receipts, password resets) still
 * go, as they do after a one-click unsubscribe anywhere else. An explicit consent change for the
 * purpose later replaces it.
 */
export const unsubscribeDataSchema = z.object({ purpose: z.enum(CONSENT_PURPOSES) });

/**
 * Asks a member to decide again which of its tokens belong in the audience's push topic (sent by
 * a PUSH_TOPIC run once the audience's `pushTopic` was turned on or off). Membership stays as it
 * is; the answer is a `membership.unchanged` fact, which the run counts.
 */
export const refreshPushTopicDataSchema = z.object({
  audienceId: z.string().min(1),
  runId: z.string().min(1),
});

/** Every INGEST command, as `{ type, data, metadata }`. */
export const ingestCommandSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("customer.upsert"), data: upsertCustomerDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("customer.delete"), data: z.object({}), metadata: metadataSchema }),
  z.object({ type: z.literal("event.track"), data: trackEventDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("device.register"), data: registerDeviceDataSchema, metadata: metadataSchema }),
  z.object({
    type: z.literal("device.unregister"),
    data: z.object({ token: z.string().min(1) }),
    metadata: metadataSchema,
  }),
  z.object({ type: z.literal("consent.set"), data: consentPatchSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("customer.unsubscribe"), data: unsubscribeDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("audience.evaluate"), data: evaluateAudienceDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("membership.set"), data: setMembershipDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("membership.rename"), data: renameMembershipDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("pushTopic.refresh"), data: refreshPushTopicDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("integration.resync"), data: resyncIntegrationDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("message.send"), data: sendMessageDataSchema, metadata: metadataSchema }),
  z.object({ type: z.literal("customer.wake"), data: wakeCustomerDataSchema, metadata: metadataSchema }),
]);
export type IngestCommand = z.infer<typeof ingestCommandSchema>;
export type IngestCommandType = IngestCommand["type"];

/**
 * A command's id when sending it again must store it once: the client's (an event's `id`), or one
 * Masivo derives (an audience run's, a device move's). The two are deduplicated apart, so a
 * client's id can never suppress one of Masivo's, nor the reverse.
 */
export type CommandIdentity = { client: string } | { derived: string };

/** A command before it has an id and acceptance time: what the gateway builds from a request. */
export type IngestCommandDraft = {
  [T in IngestCommandType]: {
    type: T;
    data: Extract<IngestCommand, { type: T }>["data"];
    metadata: Pick<CommandMetadata, "account" | "customerId">;
    /** Without one, a UUID is generated (a resend is then another command). */
    id?: CommandIdentity;
  };
}[IngestCommandType];
