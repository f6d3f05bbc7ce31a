import { z } from "zod";
import type { ConsentPurpose } from "./consent.ts";

/** Where a message goes: one provider integration per account for each, in-app needs none. */
export const CHANNELS = ["EMAIL", "PUSH", "WHATSAPP", "IN_APP"] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

/** TRANSACTIONAL bypasses caps and quiet hours, never consent to the channel. */
export const MESSAGE_CATEGORIES = ["MARKETING", "TRANSACTIONAL"] as const;
export const messageCategorySchema = z.enum(MESSAGE_CATEGORIES);
export type MessageCategory = z.infer<typeof messageCategorySchema>;

/** A send's state in the ledger and in `message` facts. UNKNOWN: a WhatsApp call whose answer was lost, never retried. */
export const MESSAGE_STATUSES = ["QUEUED", "SENT", "SUPPRESSED", "FAILED", "UNKNOWN"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Why the customer actor (or the channel, for UNSUBSCRIBED) did not send. */
export const SUPPRESSION_REASONS = [
  "NO_CONSENT",
  "NO_ADDRESS",
  "NO_DEVICE",
  "CAPPED",
  "QUIET_HOURS",
  "OUTSIDE_WINDOW",
  "UNSUBSCRIBED",
] as const;
export const suppressionReasonSchema = z.enum(SUPPRESSION_REASONS);
export type SuppressionReason = z.infer<typeof suppressionReasonSchema>;

/** The consent purpose each channel asks; in-app messages are shown inside the app, with no consent of their own. */
export const CHANNEL_CONSENT: Record<Channel, ConsentPurpose | undefined> = {
  EMAIL: "email",
  PUSH: "push",
  WHATSAPP: "whatsapp",
  IN_APP: undefined,
};

/** The last token of a channel's MESSAGES subject, `msg.<account>.<token>`. */
export const CHANNEL_SUBJECT_TOKENS = {
  EMAIL: "email",
  PUSH: "push",
  WHATSAPP: "whatsapp",
  IN_APP: "inapp",
} as const satisfies Record<Channel, string>;
