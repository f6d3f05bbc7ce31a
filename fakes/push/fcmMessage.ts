import { z } from "zod";

const stringMap = z.record(z.string(), z.string());
/** FCM keeps a message at most four weeks. */
const MAX_TTL_SECONDS = 2_419_200;
/** A protobuf Duration in JSON: seconds with up to nine decimals and an "s". */
const ttl = z
  .string()
  .regex(/^\d+(\.\d{1,9})?s$/, 'a duration such as "3600s"')
  .refine((value) => Number.parseFloat(value) <= MAX_TTL_SECONDS, "TTL must not exceed 4 weeks");

const notification = z.strictObject({
  title: z.string().optional(),
  body: z.string().optional(),
  image: z.string().optional(),
});

const android = z.strictObject({
  collapse_key: z.string().optional(),
  priority: z.enum(["NORMAL", "HIGH", "normal", "high"]).optional(),
  ttl: ttl.optional(),
  restricted_package_name: z.string().optional(),
  data: stringMap.optional(),
  notification: z.record(z.string(), z.unknown()).optional(),
  fcm_options: z.strictObject({ analytics_label: z.string().optional() }).optional(),
  direct_boot_ok: z.boolean().optional(),
});

const apns = z.strictObject({
  headers: stringMap.optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
  fcm_options: z.strictObject({ analytics_label: z.string().optional(), image: z.string().optional() }).optional(),
  live_activity_token: z.string().optional(),
});

const webpush = z.strictObject({
  headers: stringMap.optional(),
  data: stringMap.optional(),
  notification: z.record(z.string(), z.unknown()).optional(),
  fcm_options: z.strictObject({ link: z.string().optional(), analytics_label: z.string().optional() }).optional(),
});

/** FCM HTTP v1 `Message`; unknown fields are refused as FCM refuses them. */
export const fcmMessageSchema = z.strictObject({
  name: z.string().optional(),
  token: z.string().optional(),
  topic: z.string().optional(),
  condition: z.string().optional(),
  notification: notification.optional(),
  data: stringMap.optional(),
  android: android.optional(),
  apns: apns.optional(),
  webpush: webpush.optional(),
  fcm_options: z.strictObject({ analytics_label: z.string().optional() }).optional(),
});

export const fcmSendBodySchema = z.strictObject({
  validate_only: z.boolean().optional(),
  message: fcmMessageSchema,
});

export type FcmMessage = z.infer<typeof fcmMessageSchema>;

export type FcmTarget = { token: string } | { topic: string } | { condition: string };

/** FCM's topic alphabet and length; a target or `to` may carry the `/topics/` prefix. */
const TOPIC_NAME = /^[a-zA-Z0-9-_.~%]{1,900}$/;
const TOPIC_PREFIX = "/topics/";

/** The topic's bare name (without `/topics/`), or undefined when FCM would refuse it. */
export function topicNameOf(topic: string): string | undefined {
  const name = topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : topic;
  return TOPIC_NAME.test(name) ? name : undefined;
}

/** What FCM takes for a registration token: no whitespace, at most 4096 characters (*inferred*). */
export function isRegistrationToken(token: string): boolean {
  return /^[^\s]{1,4096}$/.test(token);
}

/** The message's one target, or why it has none usable. */
export function targetOf(message: FcmMessage): { ok: true; target: FcmTarget } | { ok: false; reason: string } {
  const { token, topic, condition } = message;
  const given = [token, topic, condition].filter((value) => value !== undefined);
  if (given.length !== 1) return { ok: false, reason: "Exactly one of token, topic or condition must be specified." };
  if (token !== undefined) return { ok: true, target: { token } };
  if (topic !== undefined) {
    return topicNameOf(topic) === undefined
      ? { ok: false, reason: `Invalid topic name ${topic}` }
      : { ok: true, target: { topic } };
  }
  return condition === ""
    ? { ok: false, reason: "Empty condition." }
    : { ok: true, target: { condition: condition ?? "" } };
}

/** Keys FCM reserves for itself in `data`. */
const RESERVED_DATA_KEY = /^(from|message_type|collapse_key|google\..*|gcm\..*)$/;

/** The first `data` key FCM would refuse as reserved. */
export function reservedDataKey(message: FcmMessage): string | undefined {
  return Object.keys(message.data ?? {}).find((key) => RESERVED_DATA_KEY.test(key));
}

/** The bytes that count against FCM's payload limit: everything but the target and name. */
export function payloadBytes(message: FcmMessage): number {
  const { token: _t, topic: _p, condition: _c, name: _n, ...payload } = message;
  return Buffer.byteLength(JSON.stringify(payload));
}
