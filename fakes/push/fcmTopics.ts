import { z } from "zod";
import { FCM_ERROR_STATUS } from "./fcmErrors.ts";
import { faultRetryHeaders } from "./fcmFaults.ts";
import { isRegistrationToken, topicNameOf } from "./fcmMessage.ts";
import { SEND_SCOPES } from "./fcmOAuth.ts";
import type { FcmWorld } from "./fcmSend.ts";
import { type PlainRequest, parseJson, type Reply } from "./http1.ts";
import { retryAfterSeconds, type TokenBucket } from "./tokenBucket.ts";

/** The Instance ID server API's topic calls: subscribe or unsubscribe tokens in bulk. */
export type TopicAction = "batchAdd" | "batchRemove";

export type TopicWorld = FcmWorld & {
  /** Instance ID calls have a quota apart from sends. */
  topicQuota: TokenBucket;
  /** Calls of each kind that reached a route, whatever their answer. */
  topicCalls: Record<TopicAction, number>;
};

/** One token's outcome, in input order: `{}` or the Instance ID error code. */
type TokenResult = Record<string, never> | { error: "NOT_FOUND" | "INVALID_ARGUMENT" };

const TOPIC_PATH = /^\/iid\/v1:(batchAdd|batchRemove)$/;

const batchBodySchema = z.object({
  to: z.string(),
  registration_tokens: z.array(z.string()).min(1),
});

/**
 * `POST /iid/v1:batchAdd` or `:batchRemove`, in this order: bearer token and `access_token_auth:
 * true` (401), scope (403), body, topic name and token count (400), injected faults, quota (429),
 * then a result per token. Request-level errors are `{error: CODE}` (*inferred*: the Instance ID
 * reference documents the per-token codes only).
 */
export async function handleTopicCall(world: TopicWorld, request: PlainRequest): Promise<Reply | undefined> {
  const action = TOPIC_PATH.exec(request.path)?.[1] as TopicAction | undefined;
  if (action === undefined || request.method !== "POST") return topicError(404, "NOT_FOUND");
  world.topicCalls[action] += 1;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const scopes = bearer === undefined ? undefined : world.issuer.scopesOf(bearer);
  // Without access_token_auth Google reads Authorization as a legacy server key, which no bearer token is.
  if (scopes === undefined || request.headers.access_token_auth !== "true") return topicError(401, "UNAUTHENTICATED");
  if (!scopes.some((scope) => SEND_SCOPES.includes(scope))) return topicError(403, "PERMISSION_DENIED");

  const body = batchBodySchema.safeParse(parseJson(request.rawBody)?.value);
  if (!body.success) return topicError(400, "INVALID_ARGUMENT", "a body {to, registration_tokens: [...]}");
  const { to, registration_tokens: tokens } = body.data;
  const topic = to.startsWith("/topics/") ? topicNameOf(to) : undefined;
  if (topic === undefined) return topicError(400, "INVALID_ARGUMENT", `Invalid topic name ${to}`);
  const limit = world.options.topicBatchLimit;
  if (tokens.length > limit) {
    return topicError(400, "INVALID_ARGUMENT", `at most ${limit} registration tokens a call, ${tokens.length} given`);
  }

  // A topic call names no one token: only faults without a token apply to it.
  const fault = world.faults.take(undefined);
  if (fault?.kind === "error") {
    return topicError(FCM_ERROR_STATUS[fault.errorCode], fault.errorCode, fault.message, faultRetryHeaders(fault));
  }
  if (fault?.kind === "timeout") {
    if (fault.ms === undefined) return undefined;
    await world.sleep(fault.ms);
  }
  const admitted = world.topicQuota.take(world.options.now());
  if (!admitted.allowed) {
    return topicError(429, "RESOURCE_EXHAUSTED", undefined, {
      "retry-after": retryAfterSeconds(admitted.retryAfterMs),
    });
  }

  const subscribed = world.topics.get(topic) ?? new Set<string>();
  const results = tokens.map((token): TokenResult => {
    if (!isRegistrationToken(token)) return { error: "INVALID_ARGUMENT" };
    if (world.unregistered.has(token)) return { error: "NOT_FOUND" };
    if (action === "batchAdd") subscribed.add(token);
    else subscribed.delete(token);
    return {};
  });
  if (subscribed.size > 0) world.topics.set(topic, subscribed);
  else world.topics.delete(topic);
  return { status: 200, body: { results } };
}

function topicError(status: number, error: string, message?: string, headers?: Record<string, string>): Reply {
  return { status, body: { error, ...(message && { message }) }, headers };
}
