import type { ServerResponse } from "node:http";

/** Answers with `body` as JSON: the gateway's own refusals, and the operations routes (app/operations.ts). */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
