import { createHash } from "node:crypto";
import type { DevicePlatform } from "../../../model/index.ts";

/** One rendered push notification (the strings of a `PushContent`, already rendered). */
export type PushNotification = {
  /** The send's idempotency key: the collapse id is derived from it. */
  sendKey: string;
  title: string;
  body: string;
  imageUrl?: string;
  /** String values, as FCM's data map wants them. */
  data?: Record<string, string>;
  /** Travels in the data as `deepLink`. */
  deepLink?: string;
  /** How long the provider keeps it for an offline device; 0: now or never. */
  ttlSeconds: number;
};

/** The device a notification goes to. */
export type PushDevice = { token: string; platform: DevicePlatform };

/**
 * The collapse id of a send: a resend of the same send key replaces the first on the device rather
 * than showing twice. A hash, since APNs allows 64 bytes and send keys may be longer.
 */
export function collapseIdOf(sendKey: string): string {
  return createHash("sha256").update(sendKey).digest("base64url");
}

/** The notification's data as the app reads it: the template's data plus the deep link. */
export function dataOf(notification: PushNotification): Record<string, string> {
  return {
    ...notification.data,
    ...(notification.deepLink === undefined ? {} : { deepLink: notification.deepLink }),
  };
}

/** APNs' `apns-expiration` for a TTL: epoch seconds, or 0 for "deliver now or drop it". */
export function apnsExpiration(ttlSeconds: number, nowMs: number): number {
  return ttlSeconds === 0 ? 0 : Math.floor(nowMs / 1000) + ttlSeconds;
}
