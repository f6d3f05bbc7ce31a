import { randomBytes } from "node:crypto";
import { ERROR_CODES, graphError, type Reply } from "./graphErrors.ts";
import { type MessageBody, messageBodySchema, waIdOf } from "./messageBody.ts";
import type { FakeWhatsAppMessage } from "./messageStore.ts";
import { resolveTemplate } from "./templateSend.ts";
import type { FakeWorld } from "./world.ts";

/** A call to the Graph API surface (everything outside /__fake/). */
export type GraphCall = { method: string; path: string; authorization: string | undefined; rawBody: string };

/** A reply to send, or nothing: a timeout fault keeps the socket open unanswered. */
export type Outcome = { kind: "reply"; reply: Reply } | { kind: "hang" };

const MESSAGES_PATH = /^\/(v\d+\.\d+)\/([^/]+)\/messages\/?$/;

/**
 * `POST /{version}/{phone-number-id}/messages`. Checked in this order: route, token, phone number
 * id, throughput, body, pair rate limit, faults, then the message itself (template or service
 * window). Calls refused for route, token or phone number do not count against throughput; every
 * other call does.
 */
export async function handleSend(world: FakeWorld, call: GraphCall): Promise<Outcome> {
  const time = world.options.now();
  const body = parseJson(call.rawBody);
  const logged = body ?? call.rawBody;
  const token = bearerToken(call.authorization);
  const answer = (reply: Reply): Outcome => {
    world.log.record({
      method: call.method,
      path: call.path,
      token,
      body: logged,
      status: reply.status,
      errorCode: reply.errorCode ?? null,
      time,
    });
    return { kind: "reply", reply };
  };

  const route = MESSAGES_PATH.exec(call.path);
  if (route === null) {
    return answer(graphError({ code: 2500, message: `Unknown path components: ${call.path}`, details: "" }));
  }
  const phoneNumberId = route[2] ?? "";
  if (call.method !== "POST") {
    return answer(
      graphError({
        code: ERROR_CODES.INVALID_PARAMETER,
        message: `Unsupported ${call.method.toLowerCase()} request.`,
        details: "",
      }),
    );
  }
  if (token === undefined || !world.options.accessTokens.has(token)) {
    return answer(
      graphError({ code: ERROR_CODES.ACCESS_TOKEN, message: "Invalid OAuth access token - Cannot parse access token" }),
    );
  }
  if (!world.options.phoneNumberIds.has(phoneNumberId)) {
    return answer(
      graphError({
        code: ERROR_CODES.INVALID_PARAMETER,
        subcode: 33,
        message: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        details: "",
      }),
    );
  }
  if (!world.throughput.tryAcquire(phoneNumberId, time)) {
    return answer(graphError({ code: ERROR_CODES.RATE_LIMIT_HIT, status: world.options.rateLimitStatus }));
  }
  const parsed = messageBodySchema.safeParse(body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
    return answer(graphError({ code: ERROR_CODES.INVALID_PARAMETER, details: details.join("; ") }));
  }
  const message = parsed.data;
  const waId = waIdOf(message.to);
  if (world.pairLimit?.tryAcquire(`${phoneNumberId}\u0000${waId}`, time) === false) {
    return answer(graphError({ code: ERROR_CODES.PAIR_RATE_LIMIT, status: world.options.rateLimitStatus }));
  }

  const fault = world.faults.take(phoneNumberId, waId);
  if (fault?.kind === "timeout") {
    if (fault.holdMs === undefined) {
      world.log.record({
        method: call.method,
        path: call.path,
        token,
        body: logged,
        status: null,
        errorCode: null,
        time,
      });
      return { kind: "hang" };
    }
    await world.sleep(fault.holdMs);
  }
  if (fault?.kind === "error") {
    const { code, status, title, details } = fault;
    const rateLimited = code === ERROR_CODES.RATE_LIMIT_HIT || code === ERROR_CODES.PAIR_RATE_LIMIT;
    return answer(
      graphError({ code, status: status ?? (rateLimited ? world.options.rateLimitStatus : undefined), title, details }),
    );
  }
  if (fault?.kind === "status") return answer({ status: fault.status, body: fault.body ?? "" });

  const accepted = acceptMessage(world, { phoneNumberId, waId, message, time });
  if ("status" in accepted) return answer(accepted);
  world.messages.add(accepted);
  return answer({
    status: 200,
    body: {
      messaging_product: "whatsapp",
      contacts: [{ input: message.to, wa_id: waId }],
      messages: [accepted.type === "template" ? { id: accepted.id, message_status: "accepted" } : { id: accepted.id }],
    },
  });
}

type Send = { phoneNumberId: string; waId: string; message: MessageBody; time: number };

/** The message to record, or the error that refuses it. */
function acceptMessage(world: FakeWorld, send: Send): FakeWhatsAppMessage | Reply {
  const { phoneNumberId, waId, message, time } = send;
  const base = { id: newWamid(), phoneNumberId, to: message.to, waId, time };
  if (message.type === "template") {
    if (message.template === undefined) {
      return graphError({ code: ERROR_CODES.INVALID_PARAMETER, details: "template: required for a template message" });
    }
    const template = resolveTemplate(world.templates, message.template);
    return "status" in template ? template : { ...base, type: "template", template };
  }
  if (message.type === "text") {
    if (message.text === undefined) {
      return graphError({ code: ERROR_CODES.INVALID_PARAMETER, details: "text: required for a text message" });
    }
    // Business-initiated conversations must start with a template.
    if (!world.windows.isOpen(phoneNumberId, waId, time)) return graphError({ code: ERROR_CODES.RE_ENGAGEMENT });
    return { ...base, type: "text", text: message.text.body };
  }
  return graphError({
    code: ERROR_CODES.UNSUPPORTED_MESSAGE_TYPE,
    details: `the fake sends template and text messages, not ${message.type}`,
  });
}

/** WhatsApp message ids are opaque base64 after `wamid.`. */
function newWamid(): string {
  return `wamid.${randomBytes(30).toString("base64")}`;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
