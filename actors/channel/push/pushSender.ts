import type { PushSecrets, PushSettings } from "../../../model/index.ts";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { type ApnsClient, createApnsClient } from "./apnsClient.ts";
import { createFcmAccessTokens } from "./fcmAccessToken.ts";
import { createFcmClient, type FcmClient } from "./fcmClient.ts";
import { FCM_ORIGIN, fcmConfigOf } from "./fcmConfig.ts";
import type { PushDevice, PushNotification } from "./pushNotification.ts";

export type PushSender = {
  send(notification: PushNotification, device: PushDevice): Promise<ProviderAnswer>;
  /** Closes the APNs session. */
  close(): void;
};

export type PushSenderOptions = {
  /** How long one provider call may take (each of the OAuth exchange, the send). Default 10 s. */
  timeoutMs?: number;
  /**
   * Tests only: where APNs is called when it is not where FCM is (`settings.endpoint` serves both
   * otherwise; the fakes listen on two ports).
   */
  apnsEndpoint?: string;
  now?: () => number;
};

const APNS_ORIGIN = "https://api.push.apple.com";
const APNS_SANDBOX_ORIGIN = "https://api.sandbox.push.apple.com";

/**
 * One push integration's sender: iOS devices through APNs when it is configured, everything else
 * (and iOS without APNs, through FCM's `apns` block) through FCM HTTP v1.
 */
export function createPushSender(
  settings: PushSettings,
  secrets: PushSecrets,
  options: PushSenderOptions = {},
): PushSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const fcm = fcmClientFor(settings, secrets, { timeoutMs, now });
  const apns = apnsClientFor(settings, secrets, {
    timeoutMs,
    now,
    endpoint: options.apnsEndpoint ?? settings.endpoint,
  });
  return {
    send(notification, device) {
      return device.platform === "IOS" && apns !== undefined
        ? apns.send(notification, device)
        : fcm(notification, device);
    },
    close() {
      apns?.close();
    },
  };
}

/** The FCM client's device send; without FCM's settings or key, every send answers misconfigured. */
function fcmClientFor(
  settings: PushSettings,
  secrets: PushSecrets,
  options: { timeoutMs: number; now: () => number },
): FcmClient["send"] {
  const config = fcmConfigOf(settings, secrets);
  if ("problem" in config) return unconfigured(config.problem);
  return createFcmClient({
    projectId: config.projectId,
    tokens: createFcmAccessTokens(config.account, options),
    baseUrl: settings.endpoint ?? FCM_ORIGIN,
    ...options,
  }).send;
}

/** The APNs client when APNs is configured; its send answers misconfigured without a key. */
function apnsClientFor(
  settings: PushSettings,
  secrets: PushSecrets,
  options: { timeoutMs: number; now: () => number; endpoint: string | undefined },
): ApnsClient | undefined {
  if (settings.apns === undefined) return undefined;
  if (secrets.apnsPrivateKey === undefined) {
    return { send: unconfigured("the APNs private key (.p8) is missing"), close: () => undefined };
  }
  return createApnsClient({
    settings: settings.apns,
    privateKey: secrets.apnsPrivateKey,
    origin: options.endpoint ?? (settings.apns.production ? APNS_ORIGIN : APNS_SANDBOX_ORIGIN),
    timeoutMs: options.timeoutMs,
    now: options.now,
  });
}

function unconfigured(reason: string): FcmClient["send"] {
  return () => Promise.resolve({ kind: "misconfigured", reason });
}
