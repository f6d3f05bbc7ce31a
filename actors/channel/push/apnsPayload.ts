import { dataOf, type PushNotification } from "./pushNotification.ts";

/**
 * The APNs JSON payload: the alert in `aps`, the data (deep link included) as custom top-level keys
 * beside it. An image needs the app's notification service extension, woken by `mutable-content`.
 */
export function apnsPayload(notification: PushNotification): string {
  // `aps` is Apple's own key: data cannot take it over.
  const data = Object.fromEntries(Object.entries(dataOf(notification)).filter(([key]) => key !== "aps"));
  return JSON.stringify({
    aps: {
      alert: { title: notification.title, body: notification.body },
      ...(notification.imageUrl === undefined ? {} : { "mutable-content": 1 }),
    },
    ...data,
    ...(notification.imageUrl === undefined ? {} : { imageUrl: notification.imageUrl }),
  });
}
