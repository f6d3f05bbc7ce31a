import type { FaultBook } from "./faultBook.ts";
import {
  fcmError,
  INSUFFICIENT_SCOPES_MESSAGE,
  INVALID_TOKEN_MESSAGE,
  rpcError,
  TOO_BIG_MESSAGE,
  UNAUTHENTICATED_MESSAGE,
} from "./fcmErrors.ts";
import { type FakeFcmFault, faultRetryHeaders } from "./fcmFaults.ts";
import {
  type FcmMessage,
  type FcmTarget,
  fcmSendBodySchema,
  isRegistrationToken,
  payloadBytes,
  reservedDataKey,
  targetOf,
  topicNameOf,
} from "./fcmMessage.ts";
import { SEND_SCOPES, type TokenIssuer } from "./fcmOAuth.ts";
import type { ResolvedFcmOptions } from "./fcmOptions.ts";
import { type PlainRequest, parseJson, type Reply } from "./http1.ts";
import type { Received } from "./received.ts";
import { retryAfterSeconds, type TokenBucket } from "./tokenBucket.ts";

/** A message FCM accepted, as tests see it. */
export type FcmReceived = {
  /** `projects/{p}/messages/{id}`, as answered. */
  name: string;
  target: FcmTarget;
  /** The whole message: notification, data, android (collapse_key, ttl…), apns (headers, payload)… */
  message: FcmMessage;
  /** Arrival, by the fake's clock (epoch ms). */
  time: number;
  /** A topic message only: the live tokens subscribed to the topic when it arrived, each a delivery. */
  topicTokens?: string[];
};

export type FcmWorld = {
  options: ResolvedFcmOptions;
  issuer: TokenIssuer;
  faults: FaultBook<FakeFcmFault>;
  quota: TokenBucket;
  unregistered: Set<string>;
  /** Subscribed registration tokens by bare topic name (Instance ID `batchAdd`/`batchRemove`). */
  topics: Map<string, Set<string>>;
  received: Received<FcmReceived>;
  nextId: () => string;
  sleep: (ms: number) => Promise<void>;
};

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/**
 * One `messages:send`, in FCM's order: route, bearer token (401), scope and project (403), body
 * (400), injected faults, quota (429), payload size (400), token liveness (404), delivery.
 * `undefined`: never answered (a timeout fault without `ms`).
 */
export async function handleSend(world: FcmWorld, request: PlainRequest): Promise<Reply | undefined> {
  const project = SEND_PATH.exec(request.path)?.[1];
  if (project === undefined || request.method !== "POST") {
    return rpcError(404, `The requested URL ${request.path} was not found on this server.`);
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const scopes = bearer === undefined ? undefined : world.issuer.scopesOf(bearer);
  if (scopes === undefined) return rpcError(401, UNAUTHENTICATED_MESSAGE);
  if (!scopes.some((scope) => SEND_SCOPES.includes(scope))) return rpcError(403, INSUFFICIENT_SCOPES_MESSAGE);
  if (project !== world.options.projectId) {
    return rpcError(
      403,
      `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
    );
  }

  const json = parseJson(request.rawBody);
  if (json === undefined) return fcmError("INVALID_ARGUMENT", "Invalid JSON payload received.");
  const body = fcmSendBodySchema.safeParse(json.value);
  if (!body.success) {
    const issue = body.error.issues[0];
    return fcmError("INVALID_ARGUMENT", `Invalid JSON payload received. ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const { message, validate_only: validateOnly } = body.data;
  const target = targetOf(message);
  if (!target.ok) return fcmError("INVALID_ARGUMENT", target.reason);
  if ("token" in target.target && !isRegistrationToken(target.target.token)) {
    return fcmError("INVALID_ARGUMENT", INVALID_TOKEN_MESSAGE);
  }

  const reserved = reservedDataKey(message);
  if (reserved !== undefined) return fcmError("INVALID_ARGUMENT", `Invalid data payload key: ${reserved}`);

  const token = "token" in target.target ? target.target.token : undefined;
  const fault = world.faults.take(token);
  if (fault?.kind === "error") return fcmError(fault.errorCode, fault.message, faultRetryHeaders(fault));
  if (fault?.kind === "timeout") {
    if (fault.ms === undefined) return undefined;
    await world.sleep(fault.ms);
  }

  const now = world.options.now();
  const admitted = world.quota.take(now);
  if (!admitted.allowed) {
    return fcmError("QUOTA_EXCEEDED", undefined, { "retry-after": retryAfterSeconds(admitted.retryAfterMs) });
  }
  const limit = "topic" in target.target ? world.options.topicPayloadLimitBytes : world.options.payloadLimitBytes;
  if (payloadBytes(message) > limit) return fcmError("INVALID_ARGUMENT", TOO_BIG_MESSAGE);
  if (token !== undefined && world.unregistered.has(token)) return fcmError("UNREGISTERED");

  const projectPath = `projects/${project}/messages`;
  // FCM answers a dry run with this fixed name and delivers nothing.
  if (validateOnly === true) return { status: 200, body: { name: `${projectPath}/fake_message_id` } };
  const name = `${projectPath}/${world.nextId()}`;
  const topic = "topic" in target.target ? topicNameOf(target.target.topic) : undefined;
  const topicTokens = topic === undefined ? undefined : liveSubscribers(world, topic);
  world.received.add({ name, target: target.target, message, time: now, ...(topicTokens && { topicTokens }) });
  return { status: 200, body: { name } };
}

/** The topic's subscribers a message reaches: a token unregistered since it subscribed reaches no app. */
function liveSubscribers(world: FcmWorld, topic: string): string[] {
  return [...(world.topics.get(topic) ?? [])].filter((token) => !world.unregistered.has(token));
}
