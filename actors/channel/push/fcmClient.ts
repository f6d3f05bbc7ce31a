import type { ProviderAnswer } from "../providerAnswer.ts";
import { answerForNoAnswer, callProvider, isNoAnswer } from "../providerHttp.ts";
import { classifyFcmAnswer, fcmErrorCode } from "./classifyFcmAnswer.ts";
import { createFcmAccessTokens, type FcmAccount } from "./fcmAccessToken.ts";
import { fcmSendBody } from "./fcmMessage.ts";
import type { PushDevice, PushNotification } from "./pushNotification.ts";

export type FcmClient = (notification: PushNotification, device: PushDevice) => Promise<ProviderAnswer>;

export type FcmClientOptions = {
  projectId: string;
  account: FcmAccount;
  /** Where `/v1/projects/…` is called: `https://fcm.googleapis.com`, or a fake. */
  baseUrl: string;
  timeoutMs: number;
  now: () => number;
};

/** FCM HTTP v1 `messages:send`, one device per call, with a cached OAuth token refreshed once on 401. */
export function createFcmClient(options: FcmClientOptions): FcmClient {
  const tokens = createFcmAccessTokens(options.account, options);
  const url = `${options.baseUrl.replace(/\/+$/, "")}/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`;

  const post = async (body: string, refreshed: boolean): Promise<ProviderAnswer> => {
    const token = await tokens.get();
    if ("refused" in token) return token.refused;
    const outcome = await callProvider(url, {
      headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json; charset=utf-8" },
      body,
      timeoutMs: options.timeoutMs,
    });
    if (isNoAnswer(outcome)) return answerForNoAnswer(outcome);
    // A 401 without an FcmError is our access token's (THIRD_PARTY_AUTH_ERROR is the APNs key's).
    if (outcome.status === 401 && fcmErrorCode(outcome.body) === undefined && !refreshed) {
      tokens.invalidate();
      return post(body, true);
    }
    return classifyFcmAnswer(outcome, options.now());
  };
  return (notification, device) => post(fcmSendBody(notification, device, options.now()), false);
}
