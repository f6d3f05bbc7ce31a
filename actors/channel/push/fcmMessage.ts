import { apnsExpiration, collapseIdOf, dataOf, type PushNotification } from "./pushNotification.ts";

/** Whom one FCM message goes to: a registration token or a topic's bare name. */
export type FcmTarget = { token: string } | { topic: string };

/** FCM's limit for a topic message, counted as the JSON of the message without its target. */
export const TOPIC_PAYLOAD_LIMIT_BYTES = 2048;

/**
 * An FCM HTTP v1 message without its target. The collapse id goes both to Android (`collapse_key`)
 * and to iOS through FCM (`apns-collapse-id`); the TTL to all three platforms.
 */
export function fcmPayload(notification: PushNotification, nowMs: number) {
  const collapseId = collapseIdOf(notification.sendKey);
  const ttl = notification.ttlSeconds;
  const data = dataOf(notification);
  return {
    notification: {
      title: notification.title,
      body: notification.body,
      ...(notification.imageUrl === undefined ? {} : { image: notification.imageUrl }),
    },
    ...(Object.keys(data).length === 0 ? {} : { data }),
    android: { collapse_key: collapseId, ttl: `${ttl}s`, priority: "HIGH" },
    apns: { headers: { "apns-collapse-id": collapseId, "apns-expiration": String(apnsExpiration(ttl, nowMs)) } },
    webpush: { headers: { TTL: String(ttl) } },
  };
}

/** The body of `messages:send`: the target, then the payload. */
export function fcmSendBody(target: FcmTarget, payload: ReturnType<typeof fcmPayload>): string {
  return JSON.stringify({ message: { ...target, ...payload } });
}
