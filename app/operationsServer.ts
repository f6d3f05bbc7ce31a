import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { answerOperations, type Operations } from "./operations.ts";

export type OperationsServer = { port: number; close: () => Promise<void> };

/**
 * `/healthz`, `/readyz` and `/metrics` on `MASIVO_OPS_PORT`, whatever the process's roles, so a
 * worker that serves no GraphQL can be probed too (docs/operations.md).
 */
export async function startOperationsServer(port: number, operations: Operations): Promise<OperationsServer> {
  const server: Server = createServer(async (request, response) => {
    const route = (request.url ?? "/").split("?")[0] ?? "/";
    try {
      if (!(await answerOperations(route, response, operations))) {
        response.writeHead(404, { "content-type": "text/plain" });
        response.end("not found: the operations port serves /healthz, /readyz and /metrics\n");
      }
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(`operations endpoint ${route} failed: ${String(error)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new Error(`cannot serve operations on port ${port}`, { cause: error })));
    server.listen(port, "0.0.0.0", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
