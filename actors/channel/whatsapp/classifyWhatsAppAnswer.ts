import { z } from "zod";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { type HttpAnswer, retryAfterMs } from "../providerHttp.ts";

const acceptedSchema = z.object({ messages: z.array(z.object({ id: z.string() })).min(1) });
const graphErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
  }),
});

/** Refused for good: the user, the template or the parameters (see docs/channels.md). */
const FAILED = new Set([131047, 131049, 131050, 131026, 132000, 132001, 131051, 100]);
/** Throughput (the number's, or the business–user pair's) and Meta's own trouble: later. */
const RETRY = new Set([130429, 131056, 131000]);
/** Graph's code 100 with this subcode: the phone number id does not exist for this token. */
const UNKNOWN_OBJECT_SUBCODE = 33;

/** What the Graph API's answer to `POST /{version}/{phone-number-id}/messages` means. */
export function classifyWhatsAppAnswer(answer: HttpAnswer, nowMs: number): ProviderAnswer {
  if (answer.status >= 200 && answer.status < 300) {
    const accepted = acceptedSchema.safeParse(answer.body);
    return accepted.success ? { kind: "sent", providerMessageId: accepted.data.messages[0]?.id } : { kind: "sent" };
  }
  const parsed = graphErrorSchema.safeParse(answer.body);
  const error = parsed.success ? parsed.data.error : undefined;
  const code = error?.code;
  const detail = error?.error_data?.details ?? "";
  const what = code === undefined ? `${answer.status}` : `${answer.status} code ${code}`;
  const reason = `WhatsApp ${what}: ${error?.message ?? JSON.stringify(answer.body)} ${detail}`.trim();
  if (code === 190 || answer.status === 401) return { kind: "misconfigured", reason };
  if (code === 100 && error?.error_subcode === UNKNOWN_OBJECT_SUBCODE) return { kind: "misconfigured", reason };
  if (code !== undefined && FAILED.has(code)) return { kind: "failed", reason };
  if ((code !== undefined && RETRY.has(code)) || answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get("retry-after"), nowMs);
    return afterMs === undefined ? { kind: "retry", reason } : { kind: "retry", reason, afterMs };
  }
  if (answer.status === 403) return { kind: "misconfigured", reason };
  return { kind: "failed", reason };
}
