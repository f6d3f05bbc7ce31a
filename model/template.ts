import { z } from "zod";
import type { messageCategorySchema } from "./channel.ts";
import { jsonObjectSchema } from "./json.ts";

/**
 * What a template holds for each channel. Every string is a Liquid template (see `templates/`),
 * rendered with the customer's data when the message is sent.
 */

const text = (max: number) => z.string().max(max);

export const emailContentSchema = z
  .object({ subject: text(998).min(1), html: text(512 * 1024).optional(), text: text(512 * 1024).optional() })
  .refine((content) => content.html !== undefined || content.text !== undefined, {
    message: "needs html, text or both",
    path: ["html"],
  });
export type EmailContent = z.infer<typeof emailContentSchema>;

export const pushContentSchema = z.object({
  title: text(1_000).min(1),
  body: text(4_000).min(1),
  imageUrl: text(2_048).optional(),
  /** String values (FCM's data is a string → string map); each is a Liquid template too. */
  data: z.record(z.string(), z.string()).optional(),
  deepLink: text(2_048).optional(),
  /** How long the provider keeps an undelivered notification; default 4 weeks (FCM's maximum). */
  ttlSeconds: z.number().int().min(0).max(2_419_200).optional(),
});
export type PushContent = z.infer<typeof pushContentSchema>;

export const whatsAppContentSchema = z.object({
  /** An approved WhatsApp template's name (not a Liquid template). */
  templateName: z.string().regex(/^[a-z0-9_]{1,512}$/, "must be a WhatsApp template name: a-z, 0-9 and _"),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, "must be a language code such as en or en_US"),
  bodyParameters: z.array(text(1_024)).max(100).optional(),
  headerParameters: z.array(text(1_024)).max(10).optional(),
});
export type WhatsAppContent = z.infer<typeof whatsAppContentSchema>;

export const inAppContentSchema = z.object({
  title: text(1_000).min(1),
  body: text(10_000).optional(),
  imageUrl: text(2_048).optional(),
  buttons: z.array(jsonObjectSchema).max(10).optional(),
  payload: jsonObjectSchema.optional(),
  /** The message is no longer shown after this; default 30 days. */
  expiresInSeconds: z.number().int().min(60).max(31_536_000).optional(),
});
export type InAppContent = z.infer<typeof inAppContentSchema>;

/** A template's content, one shape per channel. */
export const templateContentSchema = z.discriminatedUnion("channel", [
  z.object({ channel: z.literal("EMAIL"), email: emailContentSchema }),
  z.object({ channel: z.literal("PUSH"), push: pushContentSchema }),
  z.object({ channel: z.literal("WHATSAPP"), whatsapp: whatsAppContentSchema }),
  z.object({ channel: z.literal("IN_APP"), inApp: inAppContentSchema }),
]);
export type TemplateContent = z.infer<typeof templateContentSchema>;

/** One version of a template: immutable once created, so a send pins it. */
export type TemplateVersion = {
  templateId: string;
  version: number;
  name: string;
  category: z.infer<typeof messageCategorySchema>;
  content: TemplateContent;
  createdAt: string;
};

export const templateNameSchema = z.string().trim().min(1).max(200);
