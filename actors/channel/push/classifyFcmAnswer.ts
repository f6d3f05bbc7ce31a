import { z } from "zod";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { type HttpAnswer, retryAfterMs } from "../providerHttp.ts";

const successSchema = z.object({ name: z.string() });
const errorSchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.object({ "@type": z.string().optional(), errorCode: z.string().optional() })).optional(),
  }),
});

/** The `FcmError.errorCode` of an error answer, when FCM gave one. */
export function fcmErrorCode(body: unknown): string | undefined {
  return errorOf(body)?.details?.find((detail) => detail.errorCode !== undefined)?.errorCode;
}

function errorOf(body: unknown) {
  const parsed = errorSchema.safeParse(body);
  return parsed.success ? parsed.data.error : undefined;
}

/** FCM names an invalid token only in the message of an INVALID_ARGUMENT. */
const INVALID_TOKEN = /registration token/i;

/**
 * What FCM's answer to `messages:send` means (its `FcmError.errorCode` first, then the HTTP status).
 * A 401 is the access token's: the client refreshes it once before calling this.
 */
export function classifyFcmAnswer(answer: HttpAnswer, nowMs: number): ProviderAnswer {
  if (answer.status >= 200 && answer.status < 300) {
    const sent = successSchema.safeParse(answer.body);
    return sent.success ? { kind: "sent", providerMessageId: sent.data.name } : { kind: "sent" };
  }
  const error = errorOf(answer.body);
  const errorCode = fcmErrorCode(answer.body);
  const reason = `FCM ${answer.status} ${errorCode ?? error?.status ?? ""}: ${error?.message ?? JSON.stringify(answer.body)}`;
  const afterMs = retryAfterMs(answer.headers.get("retry-after"), nowMs);
  const retry: ProviderAnswer = afterMs === undefined ? { kind: "retry", reason } : { kind: "retry", reason, afterMs };
  switch (errorCode) {
    case "UNREGISTERED":
    case "SENDER_ID_MISMATCH":
      return { kind: "deadToken", reason };
    case "INVALID_ARGUMENT":
      return INVALID_TOKEN.test(error?.message ?? "") ? { kind: "deadToken", reason } : { kind: "failed", reason };
    case "QUOTA_EXCEEDED":
    case "UNAVAILABLE":
    case "INTERNAL":
      return retry;
    case "THIRD_PARTY_AUTH_ERROR":
      return { kind: "misconfigured", reason };
  }
  if (answer.status === 429 || answer.status >= 500) return retry;
  // 401 after a fresh token, 403 PERMISSION_DENIED (another project), 404 (no such project).
  if (answer.status === 401 || answer.status === 403 || answer.status === 404) return { kind: "misconfigured", reason };
  return { kind: "failed", reason };
}
