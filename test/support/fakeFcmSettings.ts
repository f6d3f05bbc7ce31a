import type { FakeFcm } from "../../fakes/push/index.ts";

/** `PushSettingsInput` reaching a fake FCM (sends and Instance ID topics): `configurePush` with it sends there. */
export function fakeFcmSettings(fcm: FakeFcm, extra: Record<string, unknown> = {}) {
  const { project_id, client_email, private_key, token_uri } = fcm.serviceAccount;
  return {
    fcmServiceAccount: { project_id, client_email, private_key, token_uri },
    endpoint: fcm.url,
    maxPerSecond: 100,
    ...extra,
  };
}
