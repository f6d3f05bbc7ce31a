import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http2";
import type { createProviderTokenCheck } from "./apnsAuth.ts";
import type { FakeApnsFault } from "./apnsFaults.ts";
import type { ResolvedApnsOptions } from "./apnsOptions.ts";
import { APNS_REASON_STATUS, type ApnsReason, PUSH_TYPES } from "./apnsReasons.ts";
import type { FaultBook } from "./faultBook.ts";
import { parseJson } from "./http1.ts";
import type { Received } from "./received.ts";
import { type RateLimit, TokenBucket } from "./tokenBucket.ts";

/** A notification APNs accepted, as tests see it. */
export type ApnsReceived = {
  apnsId: string;
  deviceToken: string;
  topic: string;
  pushType: string | undefined;
  priority: number | undefined;
  /** Epoch seconds; 0: deliver once or drop. */
  expiration: number | undefined;
  collapseId: string | undefined;
  /** The parsed JSON payload, or its text when it is not JSON. */
  payload: unknown;
  /** Arrival, by the fake's clock (epoch ms). */
  time: number;
};

export type ApnsWorld = {
  options: ResolvedApnsOptions;
  checkProviderToken: ReturnType<typeof createProviderTokenCheck>;
  faults: FaultBook<FakeApnsFault>;
  /** Device token → when APNs learned it was no longer valid (epoch ms). */
  unregistered: Map<string, number>;
  limits: { global: TokenBucket | undefined; perDevice: Map<string, TokenBucket> };
  received: Received<ApnsReceived>;
  sleep: (ms: number) => Promise<void>;
};

/** An APNs answer: status, `apns-id`, and `{reason}` (+ `timestamp` for 410) on failure. */
export type ApnsAnswer = { status: number; apnsId: string; body?: { reason: ApnsReason; timestamp?: number } };

export type ApnsRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };

const DEVICE_PATH = /^\/3\/device\/([^/?]+)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAYLOAD_LIMIT = 4096;
/** VoIP notifications may be larger. */
const VOIP_PAYLOAD_LIMIT = 5120;

/**
 * One `POST /3/device/{token}`, in order: path (404), method (405), provider token (403), headers
 * and device token (400), payload (400/413), injected faults, rate limits (429), token liveness
 * (410), delivery. `undefined`: never answered (a timeout fault without `ms`).
 */
export async function handleNotification(world: ApnsWorld, request: ApnsRequest): Promise<ApnsAnswer | undefined> {
  const given = header(request.headers, "apns-id");
  const apnsId = given !== undefined && UUID.test(given) ? given : randomUUID().toUpperCase();
  const fail = (reason: ApnsReason, timestamp?: number): ApnsAnswer => ({
    status: APNS_REASON_STATUS[reason],
    apnsId,
    body: timestamp === undefined ? { reason } : { reason, timestamp },
  });

  const deviceToken = DEVICE_PATH.exec(request.path)?.[1];
  if (deviceToken === undefined) return fail("BadPath");
  if (request.method !== "POST") return fail("MethodNotAllowed");
  const auth = await world.checkProviderToken(header(request.headers, "authorization"));
  if (!auth.ok) return fail(auth.reason);

  const headers = readHeaders(request.headers);
  if (!headers.ok) return fail(headers.reason);
  if (given !== undefined && !UUID.test(given)) return fail("BadMessageId");
  const { topic } = headers;
  if (world.options.topics !== undefined && !world.options.topics.has(topic)) return fail("TopicDisallowed");
  if (!world.options.deviceTokenPattern.test(deviceToken)) return fail("BadDeviceToken");
  if (request.body.length === 0) return fail("PayloadEmpty");
  if (request.body.length > (headers.pushType === "voip" ? VOIP_PAYLOAD_LIMIT : PAYLOAD_LIMIT)) {
    return fail("PayloadTooLarge");
  }

  const now = world.options.now();
  const fault = world.faults.take(deviceToken);
  if (fault?.kind === "error") {
    const gone = APNS_REASON_STATUS[fault.reason] === 410;
    return fail(fault.reason, gone ? (fault.timestamp ?? now) : undefined);
  }
  if (fault?.kind === "timeout") {
    if (fault.ms === undefined) return undefined;
    await world.sleep(fault.ms);
  }

  if (!admit(world, deviceToken, now)) return fail("TooManyRequests");
  const goneAt = world.unregistered.get(deviceToken);
  if (goneAt !== undefined) return fail("Unregistered", goneAt);

  const text = request.body.toString("utf8");
  world.received.add({
    apnsId,
    deviceToken,
    topic,
    pushType: headers.pushType,
    priority: headers.priority,
    expiration: headers.expiration,
    collapseId: headers.collapseId,
    payload: parseJson(text)?.value ?? text,
    time: now,
  });
  return { status: 200, apnsId };
}

type NotificationHeaders = {
  ok: true;
  topic: string;
  pushType: string | undefined;
  priority: number | undefined;
  expiration: number | undefined;
  collapseId: string | undefined;
};

function readHeaders(headers: IncomingHttpHeaders): NotificationHeaders | { ok: false; reason: ApnsReason } {
  const topic = header(headers, "apns-topic");
  // With token-based authentication the topic cannot be inferred from a certificate.
  if (topic === undefined || topic === "") return { ok: false, reason: "MissingTopic" };
  const pushType = header(headers, "apns-push-type");
  if (pushType !== undefined && !(PUSH_TYPES as readonly string[]).includes(pushType)) {
    return { ok: false, reason: "InvalidPushType" };
  }
  const priority = header(headers, "apns-priority");
  if (priority !== undefined && !["10", "5", "1"].includes(priority)) return { ok: false, reason: "BadPriority" };
  const expiration = header(headers, "apns-expiration");
  if (expiration !== undefined && !/^\d{1,10}$/.test(expiration)) return { ok: false, reason: "BadExpirationDate" };
  const collapseId = header(headers, "apns-collapse-id");
  if (collapseId !== undefined && Buffer.byteLength(collapseId) > 64) return { ok: false, reason: "BadCollapseId" };
  return {
    ok: true,
    topic,
    pushType,
    priority: priority === undefined ? undefined : Number(priority),
    expiration: expiration === undefined ? undefined : Number(expiration),
    collapseId,
  };
}

/** Counts the send against the overall limit (if any) and the device's own. */
function admit(world: ApnsWorld, deviceToken: string, now: number): boolean {
  const { global, perDevice } = world.limits;
  let bucket = perDevice.get(deviceToken);
  if (bucket === undefined) {
    bucket = new TokenBucket(world.options.deviceRateLimit, now);
    perDevice.set(deviceToken, bucket);
  }
  if (global !== undefined && !global.take(now).allowed) return false;
  return bucket.take(now).allowed;
}

export function newBuckets(rateLimit: RateLimit | undefined, now: number): ApnsWorld["limits"] {
  return { global: rateLimit === undefined ? undefined : new TokenBucket(rateLimit, now), perDevice: new Map() };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
