import { z } from "zod";
import { channelSchema, messageCategorySchema, suppressionReasonSchema } from "./channel.ts";
import { devicePlatformSchema } from "./device.ts";
import { customerIdSchema } from "./identifiers.ts";
import { jsonObjectSchema } from "./json.ts";
import { messagingSettingsSchema } from "./messaging.ts";
import { profileSchema } from "./profile.ts";

/**
 * A send's key: deterministic, so that retries, redeliveries, replays and restarts find the same
 * ledger entry (`api:<idempotencyKey>`, `campaign:<id>:<customer>`, `journey:…`). It is hashed
 * wherever it must fit a subject or a header.
 */
export const sendKeySchema = z.string().min(1).max(600);

/** Where a send comes from: `api`, `campaign:<id>`, `journey:<id>@<version>/<stepId>`. */
export const sendSourceSchema = z.string().min(1).max(300);

/**
 * `message.send`: asks the customer's actor to send one message. The actor decides (consent,
 * address, caps, quiet hours) with the rules carried here, so a replay decides the same.
 */
export const sendMessageDataSchema = z.object({
  sendKey: sendKeySchema,
  channel: channelSchema,
  category: messageCategorySchema,
  templateId: z.string().min(1),
  templateVersion: z.number().int().positive(),
  source: sendSourceSchema,
  /** Extra template variables (`data`), plus `event`, `audience`, `journey`, `campaign` when they apply. */
  variables: jsonObjectSchema,
  /** The account's caps and quiet hours when the send was asked for. */
  messaging: messagingSettingsSchema,
});
export type SendMessageData = z.infer<typeof sendMessageDataSchema>;

/** Where the message goes, from the customer's state when the send was decided. */
export const sendTargetSchema = z.discriminatedUnion("channel", [
  z.object({ channel: z.literal("EMAIL"), email: z.string().min(1) }),
  z.object({
    channel: z.literal("PUSH"),
    devices: z.array(
      z.object({ token: z.string().min(1), platform: devicePlatformSchema, appId: z.string().optional() }),
    ),
  }),
  z.object({ channel: z.literal("WHATSAPP"), phone: z.string().min(1) }),
  z.object({ channel: z.literal("IN_APP") }),
]);
export type SendTarget = z.infer<typeof sendTargetSchema>;

/** What a template may read of the customer: its profile and attributes, as they were at the decision. */
export const sendCustomerSchema = profileSchema.extend({
  customerId: customerIdSchema,
  attributes: jsonObjectSchema,
  timezone: z.string().optional(),
});
export type SendCustomer = z.infer<typeof sendCustomerSchema>;

/**
 * What the customer actor decided for a `message.send`, published to MESSAGES for the channel:
 * QUEUED (with `target`, and `notBefore` when quiet hours deferred it) or SUPPRESSED with the
 * reason. Channels record both in the send ledger; they send only the QUEUED.
 */
export const sendDecidedDataSchema = sendMessageDataSchema.omit({ messaging: true }).extend({
  customer: sendCustomerSchema,
  decidedAt: z.iso.datetime(),
  decision: z.discriminatedUnion("status", [
    z.object({ status: z.literal("QUEUED"), target: sendTargetSchema, notBefore: z.iso.datetime().optional() }),
    z.object({ status: z.literal("SUPPRESSED"), reason: suppressionReasonSchema }),
  ]),
});
export type SendDecidedData = z.infer<typeof sendDecidedDataSchema>;
export type SendDecision = SendDecidedData["decision"];
