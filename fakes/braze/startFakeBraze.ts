import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, handleControl } from "./controlEndpoints.ts";
import type { ActiveFault, FakeBrazeFault } from "./faults.ts";
import { handleBrazeCall } from "./handleBrazeCall.ts";
import { type BatchMode, type FakeBrazeOptions, type ResetHeaderForm, resolveOptions } from "./options.ts";
import type { Reply } from "./reply.ts";
import { createStateView, type FakeBrazeState } from "./state.ts";
import { createWorld, resetWorld, setBatchMode, setResetHeader } from "./world.ts";

/** Fault injection: faults apply in the order added; `add` returns the id to remove one by. */
export type FakeBrazeFaults = {
  add(fault: FakeBrazeFault): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault[];
};

/** A running fake Braze. */
export type FakeBraze = {
  /** `http://<host>:<port>`, the REST base URL to give a client. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The configured REST keys. */
  readonly keys: readonly string[];
  readonly state: FakeBrazeState;
  readonly faults: FakeBrazeFaults;
  setBatchMode(key: string, mode: BatchMode): void;
  setResetHeader(form: ResetHeaderForm): void;
  /** Forgets users, history, requests, counters and rate windows; keys, switches and faults stay. */
  reset(): void;
  /** Stops listening and drops every connection, held ones included. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Starts a fake of Braze's REST API (see fakes/braze/README.md) on 127.0.0.1, a free port by default.
 *
 * @example
 * await using braze = await startFakeBraze({ keys: ["k1"], now: () => clock });
 * await fetch(`${braze.url}/users/track`, { method: "POST", headers: { authorization: "Bearer k1" }, body });
 * braze.state.user("c-1")?.attributes;
 */
export async function startFakeBraze(options: FakeBrazeOptions = {}): Promise<FakeBraze> {
  const resolved = resolveOptions(options);
  const timers = new Set<NodeJS.Timeout>();
  const world = createWorld(
    resolved,
    (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
  );
  const state = createStateView(world);
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // A bug in the fake must show up in the test, not hang it.
      send(response, { status: 500, body: { message: `fake Braze failed: ${String(error)}` } });
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake.invalid");
    const rawBody = await readBody(request);
    const method = request.method ?? "GET";
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      send(response, handleControl(world, state, { method, path: url.pathname, query: url.searchParams, rawBody }));
      return;
    }
    const outcome = await handleBrazeCall(world, {
      method,
      path: url.pathname,
      authorization: request.headers.authorization,
      host: request.headers.host,
      rawBody,
    });
    // A hung call keeps its socket until the client gives up or close() drops it.
    if (outcome.kind === "reply") send(response, outcome.reply);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, resolved.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host;

  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    host,
    port,
    keys: [...resolved.keys.keys()],
    state,
    faults: {
      add: (fault) => world.faults.add(fault),
      remove: (id) => world.faults.remove(id),
      clear: () => world.faults.clear(),
      list: () => world.faults.list(),
    },
    setBatchMode: (key, mode) => setBatchMode(world, key, mode),
    setResetHeader: (form) => setResetHeader(world, form),
    reset: () => resetWorld(world),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.destroyed) return;
  const text = typeof reply.body === "string";
  const body = Buffer.from(text ? String(reply.body) : JSON.stringify(reply.body), "utf8");
  response.writeHead(reply.status, {
    "content-type": text ? "text/plain; charset=utf-8" : "application/json",
    "content-length": String(body.length),
    ...reply.headers,
  });
  response.end(body);
}
