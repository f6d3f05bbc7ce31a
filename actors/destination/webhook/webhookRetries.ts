import type { AnswerClass } from "../provider.ts";
import { type BackoffOptions, resumeAt } from "../retryPolicy.ts";
import type { WebhookAnswer } from "./webhookClient.ts";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * How long after each failed try the next one goes: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
 * 20 h, 20 h, about 3 days in all (71 h 35 min). Each step is capped by the backoff's `maxMs`
 * (tests make it short) and jittered by ±20 % so that endpoints that failed together do not
 * come back together. After the last, the delivery is given up (the sync log says so).
 */
export const WEBHOOK_RETRY_SCHEDULE_MS = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  20 * HOUR,
] as const;

/**
 * What an endpoint's answer means (Standard Webhooks): any 2xx within the timeout delivers; 410
 * Gone stops the endpoint (DISABLED, "410 Gone …" as its error, until its configuration changes);
 * anything else (a redirect, which is never followed, any other 4xx or 5xx, no answer) is tried
 * again on the schedule, or when `Retry-After` says if it says later, until the schedule ends.
 */
export function classifyWebhookAnswer(
  answer: WebhookAnswer,
  attempt: number,
  nowMs: number,
  backoff: BackoffOptions,
): AnswerClass {
  const status = "status" in answer ? answer.status : 0;
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  if (status === 410)
    return {
      kind: "misconfigured",
      reason: "410 Gone: the endpoint asked to receive no more; updateWebhook resumes it",
      disable: true,
    };
  const reason = "error" in answer ? answer.error : failureOf(status, answer.headers.get("location"));
  const step = WEBHOOK_RETRY_SCHEDULE_MS[attempt];
  if (step === undefined)
    return { kind: "refused", status, message: `given up after ${attempt + 1} tries over about 3 days: ${reason}` };
  const jitter = 0.8 + 0.4 * (backoff.random ?? Math.random)();
  const scheduled = Math.round(Math.min(step, backoff.maxMs) * jitter);
  const asked = "status" in answer ? resumeAt(answer.headers, nowMs) : undefined;
  const delayMs = asked === undefined ? scheduled : Math.max(scheduled, asked - nowMs);
  return { kind: "retry", delayMs, reason, ...(status === 429 ? { rateLimited: true } : {}) };
}

function failureOf(status: number, location: string | null): string {
  if (status >= 300 && status < 400) return `${status} redirect${location ? ` to ${location}` : ""} (never followed)`;
  return `${status} from the endpoint`;
}
