import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, handleControl } from "./controlEndpoints.ts";
import type { ActiveFault, FakeWhatsAppFault } from "./faults.ts";
import type { Reply } from "./graphErrors.ts";
import { handleSend } from "./handleSend.ts";
import { waIdOf } from "./messageBody.ts";
import type { FakeWhatsAppMessage, MessageFilter } from "./messageStore.ts";
import { type FakeWhatsAppOptions, resolveOptions } from "./options.ts";
import type { FakeWhatsAppRequest, FakeWhatsAppStats } from "./requestLog.ts";
import type { ApprovedTemplate, StoredTemplate } from "./templates.ts";
import { createWorld, resetWorld } from "./world.ts";

/** Fault injection: faults apply in the order added; `add` returns the id to remove one by. */
export type FakeWhatsAppFaults = {
  add(fault: FakeWhatsAppFault): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault[];
};

/** What the fake received and holds. */
export type FakeWhatsAppState = {
  /** Accepted messages, oldest first. */
  messages(filter?: MessageFilter): FakeWhatsAppMessage[];
  /** Calls to the Graph surface, answered or not, oldest first; `limit` keeps the newest. */
  requests(limit?: number): FakeWhatsAppRequest[];
  stats(): FakeWhatsAppStats;
  templates(): StoredTemplate[];
};

/** A running fake WhatsApp Cloud API. */
export type FakeWhatsApp = {
  /** `http://<host>:<port>`, the base URL to give a client in place of https://graph.facebook.com. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly accessTokens: readonly string[];
  readonly phoneNumberIds: readonly string[];
  readonly state: FakeWhatsAppState;
  readonly faults: FakeWhatsAppFaults;
  /** Approves a template (replacing one of the same name and language); throws on a malformed one. */
  addTemplate(template: ApprovedTemplate): StoredTemplate;
  /** The user `from` wrote to the business number: free-form text may follow for the service window. */
  receiveInbound(from: string, phoneNumberId?: string): void;
  /** Forgets messages, requests, counters, rate windows and service windows; templates and faults stay. */
  reset(): void;
  /** Stops listening and drops every connection, held ones included. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Starts a fake of the WhatsApp Cloud API's send endpoint (see fakes/whatsapp/README.md) on
 * 127.0.0.1, a free port by default.
 *
 * @example
 * await using whatsapp = await startFakeWhatsApp({ templates: [{ name: "hello", language: "en_US", body: "Hi {{1}}" }] });
 * await fetch(`${whatsapp.url}/v21.0/${whatsapp.phoneNumberIds[0]}/messages`, { method: "POST", headers, body });
 * whatsapp.state.messages({ to: "15551234567" });
 */
export async function startFakeWhatsApp(options: FakeWhatsAppOptions = {}): Promise<FakeWhatsApp> {
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
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // A bug in the fake must show up in the test, not hang it.
      send(response, { status: 500, body: { message: `fake WhatsApp failed: ${String(error)}` } });
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake.invalid");
    const rawBody = await readBody(request);
    const method = request.method ?? "GET";
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      send(response, handleControl(world, { method, path: url.pathname, query: url.searchParams, rawBody }));
      return;
    }
    const outcome = await handleSend(world, {
      method,
      path: url.pathname,
      authorization: request.headers.authorization,
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
  const phoneNumberIds = [...resolved.phoneNumberIds];

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
    accessTokens: [...resolved.accessTokens],
    phoneNumberIds,
    state: {
      messages: (filter) => world.messages.list(filter),
      requests: (limit) => world.log.list(limit),
      stats: () => world.log.stats(),
      templates: () => world.templates.list(),
    },
    faults: {
      add: (fault) => world.faults.add(fault),
      remove: (id) => world.faults.remove(id),
      clear: () => world.faults.clear(),
      list: () => world.faults.list(),
    },
    addTemplate: (template) => world.templates.add(template),
    receiveInbound(from, phoneNumberId = phoneNumberIds[0] ?? "") {
      if (!resolved.phoneNumberIds.has(phoneNumberId)) {
        throw new Error(`fake WhatsApp: unknown phone number id ${JSON.stringify(phoneNumberId)}`);
      }
      world.windows.open(phoneNumberId, waIdOf(from), resolved.now());
    },
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
  });
  response.end(body);
}
