import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { GatewayMetrics } from "./metrics.ts";
import { sendJson } from "./sendJson.ts";
import { answerUnsubscribe, UNSUBSCRIBE_PREFIX, type UnsubscribeRoute } from "./unsubscribe.ts";
import type { Gateway } from "./yoga.ts";

/**
 * The process's operations routes (`/healthz`, `/readyz`, `/metrics`), served beside GraphQL: the
 * process answers them (app/), the gateway only routes to them.
 */
export type OperationsRoutes = {
  paths: readonly string[];
  /** Answers `path`; false when it is not one of `paths`. */
  answer: (path: string, response: ServerResponse) => Promise<boolean>;
};

export type GatewayServerOptions = {
  gateway: Gateway;
  metrics: GatewayMetrics;
  operations: OperationsRoutes;
  /** Largest request body accepted, in bytes, except for multipart uploads. */
  maxBodyBytes?: number;
  /** Largest multipart/form-data request (a file upload, e.g. a CSV import), in bytes. */
  maxUploadBytes?: number;
  /** `/unsubscribe/<token>` (gateway/unsubscribe.ts); without it, that route is not served. */
  unsubscribe?: UnsubscribeRoute;
};

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * A CSV of a million customer ids is 20–40 MB; a gibibyte leaves room for wide exports. This is
 * the only limit on uploads: yoga's own body limit is off (gateway/yoga.ts), and the file is
 * streamed to its resolver (gateway/streamingUploads.ts), never held whole.
 */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

type BodyLimits = { maxBodyBytes: number; maxUploadBytes: number };

/** The HTTP listener: `/graphql`, `/unsubscribe/<token>`, plus `/healthz`, `/readyz` and `/metrics`. */
export function createGatewayServer(options: GatewayServerOptions): Server {
  const limits: BodyLimits = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  };
  return createServer(async (request, response) => {
    const route = routeOf(request, options.operations.paths);
    const stopTimer = options.metrics.requestSeconds.startTimer({ route });
    response.on("finish", () => {
      stopTimer();
      options.metrics.requests.inc({ route, status: String(response.statusCode) });
    });
    try {
      if (await options.operations.answer(route, response)) return;
      // Before the body limits: a one-click unsubscribe needs no Content-Length, and has its own bound.
      if (route === UNSUBSCRIBE_ROUTE && options.unsubscribe)
        return await answerUnsubscribe(request, response, options.unsubscribe);
      const refusal = bodyRefusal(request, limits);
      if (refusal)
        return sendJson(response, refusal.status, {
          errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
        });
      await options.gateway.requestListener(request, response);
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { errors: [{ message: "internal error" }] });
      options.gateway.logger.error(error);
    }
  });
}

/** The metrics label of unsubscribe requests: never the token, which would make one series per customer. */
const UNSUBSCRIBE_ROUTE = "/unsubscribe";

function routeOf(request: IncomingMessage, operationsPaths: readonly string[]): string {
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  if (path.startsWith(UNSUBSCRIBE_PREFIX)) return UNSUBSCRIBE_ROUTE;
  return [...operationsPaths, "/graphql"].includes(path) ? path : "other";
}

/**
 * Bodies are refused by their declared size before any of them is read. Multipart requests (file
 * uploads) get the larger limit; any other body, however it is labelled elsewhere, the smaller one.
 */
function bodyRefusal(request: IncomingMessage, limits: BodyLimits) {
  if (request.method !== "POST") return undefined;
  const length = request.headers["content-length"];
  if (length === undefined) {
    return { status: 411, code: "LENGTH_REQUIRED", message: "POST bodies need a Content-Length header" };
  }
  const upload = isMultipart(request);
  const limit = upload ? limits.maxUploadBytes : limits.maxBodyBytes;
  if (Number(length) > limit) {
    return {
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      message: `${upload ? "upload" : "request body"} is ${length} bytes; at most ${limit} are accepted`,
    };
  }
  return undefined;
}

/** Media types are case-insensitive and may carry parameters (`; boundary=...`). */
function isMultipart(request: IncomingMessage): boolean {
  const type = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  return type === "multipart/form-data";
}
