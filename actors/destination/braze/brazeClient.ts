import http from "node:http";
import https from "node:https";
import { headersOf } from "../nodeHeaders.ts";
import type { ResponseHeaders } from "../retryPolicy.ts";

/** What came back from one Braze call: an answer, or no answer at all. */
export type BrazeResponse = { status: number; headers: ResponseHeaders; body: BrazeResponseBody } | { error: string };

/** The fields of a Braze answer we read (see docs/braze.md). */
export type BrazeResponseBody = {
  message?: string;
  errors?: { type: string; input_array?: string; index?: number }[];
};

/** Bodies go as JSON text, serialized where the calls are planned (see planning/callBodies.ts). */
export type BrazeClient = {
  /** POST /users/track with a `TrackBody`. */
  track: (body: string, signal: AbortSignal) => Promise<BrazeResponse>;
  /** POST /users/delete with `{ external_ids }`. */
  deleteUsers: (body: string, signal: AbortSignal) => Promise<BrazeResponse>;
};

export type BrazeClientOptions = {
  restEndpoint: string;
  apiKey: string;
  /** A call without an answer after this long counts as a timeout (retried). */
  timeoutMs?: number;
};

/**
 * Braze's REST API over HTTP: bearer auth, JSON both ways, a timeout per call. Node's own
 * `http`/`https` with a keep-alive agent rather than `fetch`: it costs half the CPU per call, and a
 * sync at Braze's rate limit is bound by CPU (see README, bench:braze).
 */
export function createBrazeClient(options: BrazeClientOptions): BrazeClient {
  const base = new URL(options.restEndpoint.replace(/\/+$/, ""));
  const transport = base.protocol === "https:" ? https : http;
  const agent = new transport.Agent({ keepAlive: true });
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Options rather than a URL, which `request` would convert on every call.
  const target = { protocol: base.protocol, hostname: base.hostname.replace(/^\[|\]$/g, ""), port: base.port };
  const authorization = `Bearer ${options.apiKey}`;
  const post = (path: string, body: string, signal: AbortSignal): Promise<BrazeResponse> => {
    signal.throwIfAborted();
    return new Promise<BrazeResponse>((resolve, reject) => {
      const request = transport.request(
        {
          ...target,
          path,
          method: "POST",
          agent,
          headers: {
            authorization,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", (error) => settle({ error: `${error.name}: ${error.message}` }));
          response.on("end", () =>
            settle({
              status: response.statusCode ?? 0,
              headers: headersOf(response.headers),
              body: parseBody(Buffer.concat(chunks).toString("utf8")),
            }),
          );
        },
      );
      // A listener of our own rather than the `signal` option, whose stream plumbing costs more
      // than the rest of the request.
      const abort = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      signal.addEventListener("abort", abort, { once: true });
      const settle = (response: BrazeResponse) => {
        signal.removeEventListener("abort", abort);
        resolve(response);
      };
      request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on("error", (error) => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) reject(signal.reason);
        else resolve({ error: `${error.name}: ${error.message}` });
      });
      // The body goes as the string it is: a Buffer made of it first would be one more copy.
      request.end(body);
    });
  };
  return {
    track: (body, signal) => post("/users/track", body, signal),
    deleteUsers: (body, signal) => post("/users/delete", body, signal),
  };
}

function parseBody(text: string): BrazeResponseBody {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as BrazeResponseBody) : { message: text };
  } catch {
    return { message: text.slice(0, 500) };
  }
}

/** Braze's answer to a call with more objects than the account allows (see docs/braze.md). */
export function isTooLong(response: BrazeResponse): boolean {
  return (
    "status" in response && response.status === 400 && /max input length exceeded/i.test(response.body.message ?? "")
  );
}
