import type { PushNotification } from "../../../../actors/channel/providers.ts";
import type { FakeFcm } from "../../../../fakes/push/index.ts";
import type { PushSecrets, PushSettings } from "../../../../model/index.ts";

/** Push settings that reach a fake FCM with its generated service account. */
export function fcmSettings(fcm: FakeFcm, projectId = fcm.projectId): PushSettings {
  return {
    fcm: { projectId, clientEmail: fcm.serviceAccount.client_email, tokenUri: fcm.tokenUri },
    maxPerSecond: 100,
    endpoint: fcm.url,
  };
}

export function fcmSecrets(fcm: FakeFcm): PushSecrets {
  return { fcmPrivateKey: fcm.serviceAccount.private_key ?? "" };
}

export const notification: PushNotification = {
  sendKey: "acc-1:send-1",
  title: "Spring sale",
  body: "20% off today",
  imageUrl: "https://cdn.test/sale.png",
  data: { campaign: "spring" },
  deepLink: "shop://sale",
  ttlSeconds: 3600,
};
