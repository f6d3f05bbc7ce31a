import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { GatewayMetrics } from "./metrics.ts";
import type { Gateway } from "./yoga.ts";

/** One dependency the gateway needs to serve, and whether it is fine right now. */
export type ReadinessCheck = { name: string; check: () => Promise<boolean> };

export type GatewayServerOptions = {
  gateway: Gateway;
  metrics: GatewayMetrics;
  readiness: ReadinessCheck[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
};

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The HTTP listener: `/graphql` plus `/healthz`, `/readyz` and `/metrics`. */
export function createGatewayServer(options: GatewayServerOptions): Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
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
      const refusal = bodyRefusal(request, maxBodyBytes);
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

/** Bodies are refused by their declared size before any of them is read. */
function bodyRefusal(request: IncomingMessage, maxBodyBytes: number) {
  if (request.method !== "POST") return undefined;
  const length = request.headers["content-length"];
  if (length === undefined) {
    return { status: 411, code: "LENGTH_REQUIRED", message: "POST bodies need a Content-Length header" };
  }
  if (Number(length) > maxBodyBytes) {
    return {
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      message: `request body is ${length} bytes; at most ${maxBodyBytes} are accepted`,
    };
  }
  return undefined;
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
