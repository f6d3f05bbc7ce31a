import type { AnswerClass } from "../provider.ts";
import { type BackoffOptions, backoffDelay } from "../retryPolicy.ts";
import type { WriteAnswer } from "./objectWriter.ts";

/**
 * What writing an object came to. No answer, 5xx and S3's SlowDown are retried with backoff (503
 * SlowDown and 429 hold every write). Any other refusal is about the export's configuration (keys,
 * bucket, region, permissions), never about the facts: the integration pauses as FAILING and keeps
 * its backlog, rather than losing facts that a corrected configuration would have written.
 */
export function classifyWrite(
  answer: WriteAnswer,
  attempt: number,
  _nowMs: number,
  backoff: BackoffOptions,
): AnswerClass {
  if ("error" in answer) return { kind: "retry", delayMs: backoffDelay(attempt, backoff), reason: answer.error };
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  const reason = `${status} ${answer.code ?? ""}: ${answer.message ?? ""}`.trim();
  if (status === 429 || answer.code === "SlowDown") {
    return { kind: "retry", delayMs: backoffDelay(attempt, backoff), reason, rateLimited: true };
  }
  if (status >= 500) return { kind: "retry", delayMs: backoffDelay(attempt, backoff), reason };
  return { kind: "misconfigured", reason };
}
