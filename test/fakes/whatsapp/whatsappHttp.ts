import { expect } from "vitest";
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_TOKEN } from "../../../fakes/whatsapp/index.ts";

/** An answer from the fake: status and the parsed JSON body (or the text when not JSON). */
export type WhatsAppResponse = { status: number; body: unknown };

export type SendOptions = {
  /** Bearer token; null sends no Authorization header. Default: the fake's default token. */
  token?: string | null;
  phoneNumberId?: string;
  version?: string;
  /** Aborts when no answer comes within this many ms. */
  timeoutMs?: number;
};

/** POST /{version}/{phone-number-id}/messages, as a Cloud API client would. */
export async function sendMessage(
  baseUrl: string,
  body: unknown,
  options: SendOptions = {},
): Promise<WhatsAppResponse> {
  const token = options.token === undefined ? DEFAULT_TOKEN : options.token;
  const path = `/${options.version ?? "v21.0"}/${options.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID}/messages`;
  const response = await fetch(new URL(path, baseUrl), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: options.timeoutMs === undefined ? null : AbortSignal.timeout(options.timeoutMs),
  });
  return { status: response.status, body: parse(await response.text()) };
}

/** A call to the fake's own /__fake/ endpoints. */
export async function control(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<WhatsAppResponse> {
  const response = await fetch(new URL(`/__fake/${path}`, baseUrl), {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: parse(await response.text()) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A template send to `to` with these body parameters. */
export function templateBody(to: string, name: string, bodyParameters: readonly string[], language = "en_US") {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to,
    type: "template",
    template: {
      name,
      language: { code: language, policy: "deterministic" },
      components: [{ type: "body", parameters: bodyParameters.map((text) => ({ type: "text", text })) }],
    },
  };
}

/** Graph's error shape with this code, for toMatchObject. */
export function graphError(code: number) {
  return { error: { code, type: "OAuthException", message: expect.any(String), fbtrace_id: expect.any(String) } };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}
