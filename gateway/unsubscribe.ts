import type { IncomingMessage, ServerResponse } from "node:http";
import { readUnsubscribeToken, type Unsubscriber } from "../model/index.ts";
import { type CommandPublisher, UnavailableError } from "../streams/index.ts";
import type { AuthFailureLimiter } from "./authFailureLimiter.ts";
import { clientOf } from "./clientAddress.ts";
import type { GatewayLogger } from "./logger.ts";

/** What `/unsubscribe/<token>` needs: the key tokens are signed with, and where consent goes. */
export type UnsubscribeRoute = {
  key: Buffer;
  publisher: CommandPublisher;
  /** Bad tokens count as failed authentications of their address (gateway/authFailureLimiter.ts). */
  failures: AuthFailureLimiter;
  log: GatewayLogger;
};

export const UNSUBSCRIBE_PREFIX = "/unsubscribe/";

/**
 * A one-click unsubscribe POST carries `List-Unsubscribe=One-Click` (RFC 8058) and a confirmation
 * form nothing at all; the body is read only to be drained.
 */
export const UNSUBSCRIBE_MAX_BODY_BYTES = 4 * 1024;

/**
 * `/unsubscribe/<token>`, without an API key: the token is the credential. GET shows a page asking
 * to confirm, because mail scanners follow links; POST (the page's form, or the mailbox's one-click
 * request) unsubscribes the customer through INGEST (`customer.unsubscribe`: email consent DENIED
 * for marketing; transactional mail still goes). An
 * unknown token is a bare 404, and counts against its address's failed-authentication budget.
 */
export async function answerUnsubscribe(
  request: IncomingMessage,
  response: ServerResponse,
  route: UnsubscribeRoute,
): Promise<void> {
  const token = (request.url ?? "").split("?")[0]?.slice(UNSUBSCRIBE_PREFIX.length) ?? "";
  const unsubscriber = readUnsubscribeToken(route.key, token);
  if (!unsubscriber) return refuseToken(request, response, route.failures);
  if (request.method === "GET" || request.method === "HEAD") return sendPage(response, 200, CONFIRM_PAGE);
  if (request.method !== "POST") {
    response.writeHead(405, { allow: "GET, HEAD, POST" });
    response.end();
    return;
  }
  if (!(await drainedWithin(request, UNSUBSCRIBE_MAX_BODY_BYTES))) {
    response.writeHead(413, { connection: "close" });
    response.end();
    return;
  }
  try {
    await deny(route.publisher, unsubscriber);
  } catch (error) {
    if (!(error instanceof UnavailableError)) throw error;
    route.log.error({ err: error }, "an unsubscribe could not be stored: NATS is unavailable");
    return sendPage(response, 503, UNAVAILABLE_PAGE, { "retry-after": "30" });
  }
  sendPage(response, 200, DONE_PAGE);
}

function deny(publisher: CommandPublisher, { account, customerId }: Unsubscriber) {
  return publisher.publish([
    { type: "customer.unsubscribe", data: { purpose: "email" }, metadata: { account, customerId } },
  ]);
}

function refuseToken(request: IncomingMessage, response: ServerResponse, failures: AuthFailureLimiter) {
  const client = clientOf(request.socket.remoteAddress);
  const retryAfter = failures.retryAfterSeconds(client);
  if (retryAfter > 0) {
    response.writeHead(429, { "retry-after": String(retryAfter) });
    response.end();
    return;
  }
  failures.failed(client);
  response.writeHead(404);
  response.end();
}

/** Reads the body to its end; false (the rest left unread) once it is over `limit` bytes. */
async function drainedWithin(request: IncomingMessage, limit: number): Promise<boolean> {
  if (Number(request.headers["content-length"] ?? 0) > limit) return false;
  let bytes = 0;
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    if (bytes > limit) return false;
  }
  return true;
}

function sendPage(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}) {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    ...headers,
  });
  response.end(html);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style></head><body><h1>${title}</h1>${body}</body></html>`;

// The form posts to the page's own address, token included.
const CONFIRM_PAGE = page(
  "Unsubscribe",
  `<p>Stop receiving marketing email from us?</p><form method="post"><button type="submit">Unsubscribe</button></form>`,
);
const DONE_PAGE = page("Unsubscribed", "<p>You will no longer receive marketing email from us.</p>");
const UNAVAILABLE_PAGE = page(
  "Please try again",
  "<p>We could not unsubscribe you just now. Please try again in a minute.</p>",
);
