import type { PushSecrets, PushSettings } from "../../../model/index.ts";
import type { FcmAccount } from "./fcmAccessToken.ts";

export const FCM_ORIGIN = "https://fcm.googleapis.com";
/** Topic subscriptions are managed on another host than sends. */
export const INSTANCE_ID_ORIGIN = "https://iid.googleapis.com";

/** What calling FCM for an account takes: its project and service account. */
export type FcmConfig = { projectId: string; account: FcmAccount };

/** The push integration's FCM project and service account, or why FCM cannot be called. */
export function fcmConfigOf(settings: PushSettings, secrets: PushSecrets): FcmConfig | { problem: string } {
  if (settings.fcm === undefined) return { problem: "FCM is not configured for this push integration" };
  if (secrets.fcmPrivateKey === undefined) return { problem: "the FCM service account's private key is missing" };
  return {
    projectId: settings.fcm.projectId,
    account: {
      clientEmail: settings.fcm.clientEmail,
      tokenUri: settings.fcm.tokenUri,
      privateKey: secrets.fcmPrivateKey,
    },
  };
}
