import { apnsExpiration, collapseIdOf, dataOf, type PushDevice, type PushNotification } from "./pushNotification.ts";

/**
 * The body of FCM HTTP v1 `messages:send` for one device. The collapse id goes both to Android
 * (`collapse_key`) and to iOS through FCM (`apns-collapse-id`); the TTL to all three platforms.
 */
export function fcmSendBody(notification: PushNotification, device: PushDevice, nowMs: number): string {
  const collapseId = collapseIdOf(notification.sendKey);
  const ttl = notification.ttlSeconds;
  const data = dataOf(notification);
  const message = {
    token: device.token,
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
  return JSON.stringify({ message });
}
