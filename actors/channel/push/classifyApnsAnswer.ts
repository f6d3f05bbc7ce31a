import type { ProviderAnswer } from "../providerAnswer.ts";
import { retryAfterMs } from "../providerHttp.ts";

/** An APNs answer: status, `apns-id`, the `reason` of an error, `retry-after` if any. */
export type ApnsAnswer = {
  status: number;
  apnsId: string | undefined;
  reason: string | undefined;
  retryAfter: string | undefined;
};

const DEAD_TOKEN = new Set(["Unregistered", "BadDeviceToken", "DeviceTokenNotForTopic"]);
/** The key, team or app of the integration is wrong: no notification of it can go. */
const MISCONFIGURED = new Set([
  "InvalidProviderToken",
  "MissingProviderToken",
  "BadCertificate",
  "BadCertificateEnvironment",
  "Forbidden",
  "MissingTopic",
  "BadTopic",
  "TopicDisallowed",
]);

/**
 * What APNs' answer to `POST /3/device/{token}` means. ExpiredProviderToken is the client's to handle
 * (re-sign and resend once); if it comes again, it is retried later.
 */
export function classifyApnsAnswer(answer: ApnsAnswer, nowMs: number): ProviderAnswer {
  if (answer.status === 200) {
    return answer.apnsId === undefined ? { kind: "sent" } : { kind: "sent", providerMessageId: answer.apnsId };
  }
  const reason = `APNs ${answer.status} ${answer.reason ?? ""}`.trim();
  if (answer.reason !== undefined && DEAD_TOKEN.has(answer.reason)) return { kind: "deadToken", reason };
  if (answer.reason !== undefined && MISCONFIGURED.has(answer.reason)) return { kind: "misconfigured", reason };
  if (answer.status === 429 || answer.status >= 500 || answer.reason === "ExpiredProviderToken") {
    const afterMs = retryAfterMs(answer.retryAfter, nowMs);
    return afterMs === undefined ? { kind: "retry", reason } : { kind: "retry", reason, afterMs };
  }
  return { kind: "failed", reason };
}
