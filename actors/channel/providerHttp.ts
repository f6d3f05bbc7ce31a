import type { ProviderAnswer } from "./providerAnswer.ts";

/** A provider's HTTP answer, body parsed as JSON when it is JSON (else its text). */
export type HttpAnswer = { status: number; headers: Headers; body: unknown };

/**
 * No answer to a request: `refused` when the connection never opened (nothing was sent), `lost`
 * when the request may have left (a timeout, a connection cut mid-way).
 */
export type NoAnswer = { lost: boolean; reason: string };

export type HttpRequest = {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
};

/** Errors on connecting, before any byte of the request left. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** One HTTP call bounded by `timeoutMs`, the body read included; never throws. */
export async function callProvider(url: string, request: HttpRequest): Promise<HttpAnswer | NoAnswer> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(url, { method: "POST", headers: request.headers, body: request.body, signal });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseJson(text) };
  } catch (error) {
    const code = causeCode(error);
    if (code !== undefined && NOT_CONNECTED.has(code)) return { lost: false, reason: `${code} at ${url}` };
    if (signal.aborted) return { lost: true, reason: `no answer from ${url} within ${request.timeoutMs} ms` };
    return { lost: true, reason: `${url}: ${code ?? String(error)}` };
  }
}

export function isNoAnswer(outcome: HttpAnswer | NoAnswer): outcome is NoAnswer {
  return "lost" in outcome;
}

/** What a missing answer means: retry when nothing left, unknown when the provider may have acted. */
export function answerForNoAnswer(noAnswer: NoAnswer): ProviderAnswer {
  return noAnswer.lost ? { kind: "unknown", reason: noAnswer.reason } : { kind: "retry", reason: noAnswer.reason };
}

/** `Retry-After` in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** fetch wraps socket errors as a TypeError whose `cause` carries the system code. */
function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code;
  }
  return undefined;
}
