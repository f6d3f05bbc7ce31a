import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { forbiddenAddressReason } from "../../../model/index.ts";
import { headersOf } from "../nodeHeaders.ts";
import { createOutboundLookup, type Resolve } from "../outboundLookup.ts";
import type { ResponseHeaders } from "../retryPolicy.ts";
import type { WebhookCall } from "./webhookMessage.ts";

/** What one delivery got back: the endpoint's status and headers (its body is never read), or no answer. */
export type WebhookAnswer = { status: number; headers: ResponseHeaders } | { error: string };

export type WebhookClientOptions = {
  url: string;
  /** A delivery without an answer after this long is a failure (retried). */
  timeoutMs: number;
  allowLocal: boolean;
  /** The `webhook-signature` of a try, signed at its `webhook-timestamp`. */
  sign: (call: WebhookCall, at: Date) => string;
  /** How host names are resolved at each connection (tests script it). */
  resolve?: Resolve;
};

/**
 * POSTs deliveries to one endpoint with Node's `https` (or `http` for a local endpoint): the
 * address is checked at every connection by the agent's `lookup` (outboundLookup.ts), and a
 * literal IP, which Node connects to without a lookup, before every try. A redirect is an answer
 * like any other: never followed.
 */
export function createWebhookClient(options: WebhookClientOptions) {
  const target = new URL(options.url);
  const transport = target.protocol === "https:" ? https : http;
  const agent = new transport.Agent({
    keepAlive: true,
    lookup: createOutboundLookup({
      allowLocal: options.allowLocal,
      ...(options.resolve ? { resolve: options.resolve } : {}),
    }),
  });
  const hostname = target.hostname.replace(/^\[|\]$/g, "");
  const literalRefusal = isIP(hostname) ? forbiddenAddressReason(hostname, options.allowLocal) : undefined;

  const deliver = (call: WebhookCall, signal: AbortSignal): Promise<WebhookAnswer> => {
    signal.throwIfAborted();
    if (literalRefusal) return Promise.resolve({ error: `${hostname} refused: ${literalRefusal}` });
    const at = new Date();
    return new Promise<WebhookAnswer>((resolve, reject) => {
      const request = transport.request(
        {
          protocol: target.protocol,
          hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: "POST",
          agent,
          timeout: options.timeoutMs,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(call.body),
            "user-agent": "Masivo-Webhooks/1",
            "webhook-id": call.messageId,
            "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
            "webhook-signature": options.sign(call, at),
          },
        },
        (response) => {
          // The body is drained unread: only the status counts.
          response.resume();
          response.on("end", () => settle({ status: response.statusCode ?? 0, headers: headersOf(response.headers) }));
          response.on("error", (error) => settle({ error: `${error.name}: ${error.message}` }));
        },
      );
      const abort = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      signal.addEventListener("abort", abort, { once: true });
      const settle = (answer: WebhookAnswer) => {
        signal.removeEventListener("abort", abort);
        resolve(answer);
      };
      request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      request.on("error", (error) => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) reject(signal.reason);
        else resolve({ error: `${error.name}: ${error.message}` });
      });
      request.end(call.body);
    });
  };
  return { deliver, close: () => agent.destroy() };
}
