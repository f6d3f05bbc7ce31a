import { createServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { createProviderTokenCheck, trustKey } from "./apnsAuth.ts";
import { apnsFaultSchema, type FakeApnsFault } from "./apnsFaults.ts";
import { type FakeApnsOptions, resolveApnsOptions } from "./apnsOptions.ts";
import { type ApnsAnswer, type ApnsReceived, type ApnsWorld, handleNotification, newBuckets } from "./apnsSend.ts";
import { CONTROL_PREFIX, handleControl } from "./control.ts";
import { type ActiveFault, createFaultBook } from "./faultBook.ts";
import { listen, listenHttp1, urlOf } from "./http1.ts";
import { countStatus, createReceived, type StatusCounts } from "./received.ts";

/** What a client needs to sign provider tokens; `privateKey` (.p8 PEM) only when the fake generated it. */
export type FakeApnsCredentials = { teamId: string; keyId: string; privateKey: string | undefined };

export type FakeApnsStats = {
  /** Notifications delivered. */
  delivered: number;
  /** Answers of `/3/device/` per status; "none" for never answered. */
  statuses: StatusCounts;
};

export type FakeApnsFaults = {
  add(fault: FakeApnsFault): string;
  remove(id: string): boolean;
  clear(): number;
  list(): ActiveFault<FakeApnsFault>[];
};

/** A running fake APNs: the provider API over cleartext HTTP/2, and an HTTP/1.1 control port. */
export type FakeApns = {
  /** `http://<host>:<port>`, to reach with HTTP/2 prior knowledge (h2c), not TLS. */
  readonly url: string;
  readonly port: number;
  /** `http://<host>:<controlPort>`: the `/__fake/` endpoints over HTTP/1.1 (also served on `url`). */
  readonly controlUrl: string;
  readonly credentials: FakeApnsCredentials;
  readonly faults: FakeApnsFaults;
  /** Notifications delivered, oldest first, optionally only those to one device token. */
  messages(deviceToken?: string, limit?: number): ApnsReceived[];
  stats(): FakeApnsStats;
  /** Later sends to these tokens answer 410 Unregistered with the current time as `timestamp`. */
  unregister(...deviceTokens: string[]): void;
  /** Forgets notifications, counters and rate limits; faults and unregistered tokens stay. */
  reset(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Starts a fake APNs provider API (see fakes/push/README.md) on 127.0.0.1, free ports by default.
 * It speaks cleartext HTTP/2 (h2c): enough for a client on loopback, which must connect without TLS.
 *
 * @example
 * await using apns = await startFakeApns({ topics: ["com.example.app"] });
 * // sign an ES256 JWT {kid: apns.credentials.keyId}{iss: apns.credentials.teamId, iat} with privateKey
 * apns.messages(deviceToken)[0]?.payload;
 */
export async function startFakeApns(options: FakeApnsOptions = {}): Promise<FakeApns> {
  const resolved = resolveApnsOptions(options);
  const key = await trustKey(options.signingKey);
  const timers = new Set<NodeJS.Timeout>();
  const statuses: StatusCounts = {};
  const world: ApnsWorld = {
    options: resolved,
    checkProviderToken: createProviderTokenCheck(key, resolved.providerTokenMaxAgeSeconds, resolved.now),
    faults: createFaultBook<FakeApnsFault>(),
    unregistered: new Map(resolved.unregisteredTokens.map((token) => [token, resolved.now()])),
    limits: newBuckets(resolved.rateLimit, resolved.now()),
    received: createReceived<ApnsReceived>(resolved.receivedLogSize),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
  };
  const credentials: FakeApnsCredentials = { teamId: key.teamId, keyId: key.keyId, privateKey: key.privateKeyPem };
  const messages = (deviceToken?: string, limit?: number) =>
    world.received.list((entry) => deviceToken === undefined || entry.deviceToken === deviceToken, limit);
  const stats = (): FakeApnsStats => ({ delivered: world.received.total, statuses: { ...statuses } });
  const unregister = (...deviceTokens: string[]) => {
    for (const token of deviceTokens) world.unregistered.set(token, resolved.now());
  };
  const reset = () => {
    world.received.clear();
    world.limits = newBuckets(resolved.rateLimit, resolved.now());
    for (const status of Object.keys(statuses)) delete statuses[status];
  };
  const control = (request: Parameters<typeof handleControl>[1]) =>
    handleControl(
      {
        messages,
        stats,
        faults: world.faults,
        faultSchema: apnsFaultSchema,
        unregister: (tokens) => unregister(...tokens),
        reset,
        credentials: () => credentials,
      },
      request,
    );

  const sessions = new Set<Http2Session>();
  const server = createServer();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    serveStream(stream, headers).catch((error: unknown) => {
      // A bug in the fake must show up in the test, not hang it.
      if (!stream.headersSent) stream.respond({ ":status": 500 });
      stream.end(JSON.stringify({ reason: "InternalServerError", fake: String(error) }));
    });
  });

  async function serveStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(headers[":path"] ?? "/", "http://fake.invalid");
    const method = headers[":method"] ?? "GET";
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const reply = control({ method, path: url.pathname, query: url.searchParams, headers, rawBody: body.toString() });
      respond(stream, reply.status, {}, reply.body);
      return;
    }
    const answer = await handleNotification(world, { method, path: url.pathname, headers, body });
    countStatus(statuses, answer?.status ?? null);
    // A hung call keeps its stream until the client gives up or close() drops it.
    if (answer !== undefined) respondAnswer(stream, answer);
  }

  await listen(server, resolved.host, resolved.port);
  const { port } = server.address() as AddressInfo;
  const controlServer = await listenHttp1(resolved.host, resolved.controlPort, async (request) => control(request));
  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of sessions) session.destroy();
    await Promise.all([closed, controlServer.close()]);
  };
  return {
    url: urlOf("http", resolved.host, port),
    port,
    controlUrl: urlOf("http", resolved.host, controlServer.port),
    credentials,
    faults: world.faults,
    messages,
    stats,
    unregister,
    reset,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function respondAnswer(stream: ServerHttp2Stream, answer: ApnsAnswer): void {
  respond(stream, answer.status, { "apns-id": answer.apnsId }, answer.body);
}

function respond(stream: ServerHttp2Stream, status: number, headers: Record<string, string>, body: unknown): void {
  if (stream.destroyed || stream.headersSent) return;
  if (body === undefined) {
    stream.respond({ ":status": status, ...headers }, { endStream: true });
    return;
  }
  stream.respond({ ":status": status, "content-type": "application/json", ...headers });
  stream.end(JSON.stringify(body));
}
