import { authenticate, bearerToken } from "./auth.ts";
import type { FaultKind } from "./faults.ts";
import * as messages from "./messages.ts";
import { rateLimitHeaders, retryAfterHeaders } from "./rateLimits.ts";
import { messageReply, type Reply } from "./reply.ts";
import { ROUTES } from "./routes.ts";
import { isJsonObject } from "./trackTypes.ts";
import type { FakeWorld } from "./world.ts";

/** A request to a Braze path, as read off the socket. */
export type IncomingCall = {
  method: string;
  path: string;
  authorization: string | undefined;
  host: string | undefined;
  rawBody: string;
};

export type CallOutcome = { kind: "reply"; reply: Reply } | { kind: "hang" };

/** Faults that stand in front of Braze: the call never reaches processing or rate limiting. */
const FRONT_FAULTS: readonly FaultKind[] = ["status", "queued", "timeout", "rateLimited"];

const STATUS_TEXT: Record<number, string> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * One call, in Braze's order: route (404), key and cluster (401), permission (403), injected
 * faults, rate limit (429), body (400), then the endpoint. Every call is logged.
 */
export async function handleBrazeCall(world: FakeWorld, call: IncomingCall): Promise<CallOutcome> {
  const time = world.options.now();
  const token = bearerToken(call.authorization);
  const body = parseJson(call.rawBody);
  const outcome = await answer(world, call, token, body);
  world.log.record({
    method: call.method,
    path: call.path,
    key: token,
    body: body === undefined ? call.rawBody : body.value,
    status: outcome.kind === "hang" ? null : outcome.reply.status,
    time,
  });
  return outcome;
}

async function answer(
  world: FakeWorld,
  call: IncomingCall,
  token: string | undefined,
  body: { value: unknown } | undefined,
): Promise<CallOutcome> {
  const reply = (r: Reply): CallOutcome => ({ kind: "reply", reply: r });
  const route = call.method === "POST" ? ROUTES.get(call.path) : undefined;
  if (route === undefined) return reply(messageReply(404, messages.INVALID_URL));
  const auth = authenticate(world.options.keys, token, call.host, route.permission);
  if (!auth.ok) return reply(auth.reply);
  const { key } = auth;

  const fault = world.faults.take(call.path, key.key, FRONT_FAULTS);
  switch (fault?.kind) {
    case "status":
      return reply({ status: fault.status, body: fault.body ?? { message: STATUS_TEXT[fault.status] } });
    case "queued":
      return reply(messageReply(202, messages.QUEUED));
    case "rateLimited":
      return reply(messageReply(429, messages.RATE_LIMITED, retryAfterHeaders((fault.retryAfterSeconds ?? 1) * 1000)));
    case "timeout":
      if (fault.holdMs === undefined) return { kind: "hang" };
      await world.sleep(fault.holdMs);
  }

  const now = world.options.now();
  const verdict = world.limiter.acquire(key, route.group, now);
  if (!verdict.allowed) return reply(messageReply(429, messages.RATE_LIMITED, retryAfterHeaders(verdict.retryAfterMs)));
  const headers = rateLimitHeaders(verdict, world.options.resetHeader, now);
  if (body === undefined || !isJsonObject(body.value)) return reply(messageReply(400, messages.BAD_REQUEST, headers));

  const forced = call.path === "/users/track" ? world.faults.take(call.path, key.key, ["partialErrors"]) : undefined;
  const handled = route.handle({
    body: body.value,
    key,
    now,
    store: world.store,
    tally: world.tally,
    options: world.options,
    forcedErrors: forced?.kind === "partialErrors" ? forced.errors : [],
  });
  return reply({ ...handled, headers: { ...headers, ...handled.headers } });
}

function parseJson(raw: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(raw) };
  } catch {
    return undefined;
  }
}
