import type { ProviderAnswer } from "../providerAnswer.ts";
import { answerForNoAnswer, isNoAnswer } from "../providerHttp.ts";
import { classifyFcmAnswer } from "./classifyFcmAnswer.ts";
import type { FcmAccessTokens } from "./fcmAccessToken.ts";
import { createFcmCall, type FcmCallOutcome } from "./fcmCall.ts";
import { type FcmTarget, fcmPayload, fcmSendBody, TOPIC_PAYLOAD_LIMIT_BYTES } from "./fcmMessage.ts";
import type { PushDevice, PushNotification } from "./pushNotification.ts";

export type FcmClient = {
  /** One device's notification. */
  send(notification: PushNotification, device: PushDevice): Promise<ProviderAnswer>;
  /** One message to every device subscribed to `topic` (its bare name); `failed` over FCM's topic payload limit. */
  sendToTopic(notification: PushNotification, topic: string): Promise<ProviderAnswer>;
};

export type FcmClientOptions = {
  projectId: string;
  tokens: FcmAccessTokens;
  /** Where `/v1/projects/…` is called: `https://fcm.googleapis.com`, or a fake. */
  baseUrl: string;
  timeoutMs: number;
  now: () => number;
};

/** FCM HTTP v1 `messages:send`, one device or one topic per call, with the account's OAuth token. */
export function createFcmClient(options: FcmClientOptions): FcmClient {
  const call = createFcmCall(options.tokens, options.timeoutMs);
  const url = `${options.baseUrl.replace(/\/+$/, "")}/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`;

  const post = async (target: FcmTarget, notification: PushNotification) => {
    const payload = fcmPayload(notification, options.now());
    if ("topic" in target) {
      // FCM counts the message without its target; refused here, the reason names the size.
      const bytes = Buffer.byteLength(JSON.stringify(payload));
      if (bytes > TOPIC_PAYLOAD_LIMIT_BYTES) {
        const reason = `the push notification is ${bytes} bytes; FCM takes at most ${TOPIC_PAYLOAD_LIMIT_BYTES} for a topic message (topic ${target.topic})`;
        return { kind: "failed", reason } satisfies ProviderAnswer;
      }
    }
    return answerOf(await call(url, fcmSendBody(target, payload)), options.now());
  };
  return {
    send: (notification, device) => post({ token: device.token }, notification),
    sendToTopic: (notification, topic) => post({ topic }, notification),
  };
}

function answerOf(outcome: FcmCallOutcome, nowMs: number): ProviderAnswer {
  if ("refused" in outcome) return outcome.refused;
  if (isNoAnswer(outcome)) return answerForNoAnswer(outcome);
  return classifyFcmAnswer(outcome, nowMs);
}
