import type { PushSecrets, PushSettings } from "../../../model/index.ts";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { everyToken } from "./classifyTopicAnswer.ts";
import { createFcmAccessTokens } from "./fcmAccessToken.ts";
import { createFcmClient } from "./fcmClient.ts";
import { FCM_ORIGIN, fcmConfigOf, INSTANCE_ID_ORIGIN } from "./fcmConfig.ts";
import { createFcmTopicClient, type FcmTopicClient } from "./fcmTopicClient.ts";
import type { PushNotification } from "./pushNotification.ts";

/** An account's FCM topics: who is subscribed, and one message to all of them. */
export type PushTopics = FcmTopicClient & {
  /**
   * One FCM message to every device subscribed to `topic` (its bare name, as `fcmTopicName` makes
   * it); `failed` without a call when the notification exceeds FCM's 2,048 bytes for topics.
   */
  sendTopicMessage(topic: string, notification: PushNotification): Promise<ProviderAnswer>;
};

export type PushTopicsOptions = {
  /** How long one provider call may take (each of the OAuth exchange, the call). Default 10 s. */
  timeoutMs?: number;
  /** Tokens one Instance ID call names; default 1,000. */
  maxTokensPerCall?: number;
  now?: () => number;
};

/**
 * A push integration's FCM topics, with one OAuth token for both hosts: subscriptions through the
 * Instance ID API (`instanceIdEndpoint`, else `endpoint`, else iid.googleapis.com), messages through
 * FCM HTTP v1. Without FCM's settings or key, every answer is misconfigured.
 */
export function createPushTopics(
  settings: PushSettings,
  secrets: PushSecrets,
  options: PushTopicsOptions = {},
): PushTopics {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const config = fcmConfigOf(settings, secrets);
  if ("problem" in config) {
    const refused = { kind: "misconfigured", reason: config.problem } as const;
    return {
      add: (_topic, tokens) => Promise.resolve(everyToken(tokens, refused)),
      remove: (_topic, tokens) => Promise.resolve(everyToken(tokens, refused)),
      sendTopicMessage: () => Promise.resolve(refused),
    };
  }
  const tokens = createFcmAccessTokens(config.account, { timeoutMs, now });
  const subscriptions = createFcmTopicClient({
    tokens,
    instanceIdUrl: settings.instanceIdEndpoint ?? settings.endpoint ?? INSTANCE_ID_ORIGIN,
    timeoutMs,
    now,
    ...(options.maxTokensPerCall === undefined ? {} : { maxTokensPerCall: options.maxTokensPerCall }),
  });
  const messages = createFcmClient({
    projectId: config.projectId,
    tokens,
    baseUrl: settings.endpoint ?? FCM_ORIGIN,
    timeoutMs,
    now,
  });
  return {
    add: subscriptions.add,
    remove: subscriptions.remove,
    sendTopicMessage: (topic, notification) => messages.sendToTopic(notification, topic),
  };
}
