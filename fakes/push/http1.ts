import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Server } from "node:net";

/** What one call is answered with; a string body goes out as text. */
export type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** A plain request as the handlers see it. */
export type PlainRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  rawBody: string;
};

/** `undefined` from the handler leaves the call unanswered (a hang fault). */
export type PlainHandler = (request: PlainRequest) => Promise<Reply | undefined>;

/** An HTTP/1.1 server on host:port (0: a free one); resolves once listening. */
export async function listenHttp1(host: string, port: number, handle: PlainHandler): Promise<Listening> {
  const server = createServer((request, response) => {
    serve(request, response, handle).catch((error: unknown) => {
      // A bug in the fake must show up in the test, not hang it.
      sendReply(response, { status: 500, body: { message: `fake failed: ${String(error)}` } });
    });
  });
  await listen(server, host, port);
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export type Listening = { port: number; close(): Promise<void> };

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

export function urlOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

async function serve(request: IncomingMessage, response: ServerResponse, handle: PlainHandler): Promise<void> {
  const url = new URL(request.url ?? "/", "http://fake.invalid");
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const reply = await handle({
    method: request.method ?? "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    rawBody: Buffer.concat(chunks).toString("utf8"),
  });
  if (reply !== undefined) sendReply(response, reply);
}

function sendReply(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.destroyed) return;
  const text = typeof reply.body === "string";
  const body = Buffer.from(text ? String(reply.body) : JSON.stringify(reply.body), "utf8");
  response.writeHead(reply.status, {
    "content-type": text ? "text/plain; charset=utf-8" : "application/json; charset=UTF-8",
    "content-length": String(body.length),
    ...reply.headers,
  });
  response.end(body);
}

export function parseJson(raw: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(raw) };
  } catch {
    return undefined;
  }
}
