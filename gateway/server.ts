import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { GatewayMetrics } from "./metrics.ts";
import type { Gateway } from "./yoga.ts";

/** One dependency the gateway needs to serve, and whether it is fine right now. */
export type ReadinessCheck = { name: string; check: () => Promise<boolean> };

export type GatewayServerOptions = {
  gateway: Gateway;
  metrics: GatewayMetrics;
  readiness: ReadinessCheck[];
  /** Largest request body accepted, in bytes, except for multipart uploads. */
  maxBodyBytes?: number;
  /** Largest multipart/form-data request (a file upload, e.g. a CSV import), in bytes. */
  maxUploadBytes?: number;
};

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * A CSV of a million customer ids is 20–40 MB; a gibibyte leaves room for wide exports. This is
 * the only limit on uploads: yoga's own body limit is off (gateway/yoga.ts), and the file is
 * streamed to its resolver (gateway/streamingUploads.ts), never held whole.
 */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

type BodyLimits = { maxBodyBytes: number; maxUploadBytes: number };

/** The HTTP listener: `/graphql` plus `/healthz`, `/readyz` and `/metrics`. */
export function createGatewayServer(options: GatewayServerOptions): Server {
  const limits: BodyLimits = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  };
  return createServer(async (request, response) => {
    const route = routeOf(request);
    const stopTimer = options.metrics.requestSeconds.startTimer({ route });
    response.on("finish", () => {
      stopTimer();
      options.metrics.requests.inc({ route, status: String(response.statusCode) });
    });
    try {
      if (route === "/healthz") return sendJson(response, 200, { status: "ok" });
      if (route === "/readyz") return await ready(options.readiness, response);
      if (route === "/metrics") {
        response.writeHead(200, { "content-type": options.metrics.registry.contentType });
        return response.end(await options.metrics.registry.metrics());
      }
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

function routeOf(request: IncomingMessage): string {
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  return ["/healthz", "/readyz", "/metrics", "/graphql"].includes(path) ? path : "other";
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

async function ready(checks: ReadinessCheck[], response: ServerResponse) {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => [name, await check().catch(() => false)] as const),
  );
  const ok = results.every(([, fine]) => fine);
  sendJson(response, ok ? 200 : 503, { status: ok ? "ready" : "unavailable", checks: Object.fromEntries(results) });
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
