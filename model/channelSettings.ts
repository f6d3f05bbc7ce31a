import { z } from "zod";

/**
 * How an account reaches each channel's provider (`configureEmail`, `configurePush`,
 * `configureWhatsApp`): settings, which may be read back, and secrets, which are stored sealed
 * (see store/secretBox.ts) and never returned. In-app messages need no provider.
 */

export const emailSettingsSchema = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean(),
  username: z.string().max(512).optional(),
  fromAddress: z.email(),
  fromName: z.string().max(200).optional(),
  replyTo: z.email().optional(),
  maxPerSecond: z.number().int().min(1).max(100_000),
});
export type EmailSettings = z.infer<typeof emailSettingsSchema>;
export type EmailSecrets = { password?: string };

export const apnsSettingsSchema = z.object({
  teamId: z.string().regex(/^[A-Z0-9]{10}$/, "must be the 10-character Apple team id"),
  keyId: z.string().regex(/^[A-Z0-9]{10}$/, "must be the 10-character key id"),
  bundleId: z.string().min(1).max(255),
  production: z.boolean(),
});
export type ApnsSettings = z.infer<typeof apnsSettingsSchema>;

export const pushSettingsSchema = z.object({
  /** From the service account; FCM is not configured without one. */
  fcm: z
    .object({ projectId: z.string().min(1), clientEmail: z.string().min(1), tokenUri: z.string().min(1) })
    .optional(),
  /** iOS devices go through APNs when it is configured, else through FCM. */
  apns: apnsSettingsSchema.optional(),
  maxPerSecond: z.number().int().min(1).max(100_000),
  /** Tests and fakes only: where FCM and APNs are called instead of their hosts. */
  endpoint: z.string().optional(),
  /**
   * Tests and fakes only: where FCM topic subscriptions (the Instance ID API, iid.googleapis.com in
   * production) are managed; `endpoint` when absent.
   */
  instanceIdEndpoint: z.string().optional(),
});
export type PushSettings = z.infer<typeof pushSettingsSchema>;
export type PushSecrets = { fcmPrivateKey?: string; apnsPrivateKey?: string };

export const whatsAppSettingsSchema = z.object({
  phoneNumberId: z.string().regex(/^\d{1,32}$/, "must be the digits of a WhatsApp phone number id"),
  maxPerSecond: z.number().int().min(1).max(100_000),
  /** Tests and fakes only: where the Graph API is called instead of graph.facebook.com. */
  endpoint: z.string().optional(),
});
export type WhatsAppSettings = z.infer<typeof whatsAppSettingsSchema>;
export type WhatsAppSecrets = { accessToken: string };

/** A channel integration's settings and secrets, by kind (the integration's `kind`). */
export type ChannelIntegrationConfig =
  | { kind: "email"; settings: EmailSettings; secrets: EmailSecrets }
  | { kind: "push"; settings: PushSettings; secrets: PushSecrets }
  | { kind: "whatsapp"; settings: WhatsAppSettings; secrets: WhatsAppSecrets };
export type ChannelIntegrationKind = ChannelIntegrationConfig["kind"];
