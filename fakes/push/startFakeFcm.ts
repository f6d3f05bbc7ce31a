import { CONTROL_PREFIX, handleControl } from "./control.ts";
import { type ActiveFault, createFaultBook } from "./faultBook.ts";
import type { FakeFcmFault } from "./fcmFaults.ts";
import { fcmFaultSchema } from "./fcmFaults.ts";
import { topicNameOf } from "./fcmMessage.ts";
import { createTokenIssuer, GOOGLE_TOKEN_URI, serviceAccountJson, trustAccount } from "./fcmOAuth.ts";
import { type FakeFcmOptions, resolveFcmOptions } from "./fcmOptions.ts";
import { type FcmReceived, handleSend } from "./fcmSend.ts";
import { handleTopicCall, type TopicAction, type TopicWorld } from "./fcmTopics.ts";
import { listenHttp1, type PlainRequest, type Reply, urlOf } from "./http1.ts";
import { countStatus, createReceived, type StatusCounts } from "./received.ts";
import { TokenBucket } from "./tokenBucket.ts";

/** The service-account JSON a client loads (`private_key` only when the fake generated the key). */
export type FakeServiceAccount = ReturnType<typeof serviceAccountJson>;

export type FakeFcmStats = {
  /** Token exchanges answered with an access token. */
  tokensIssued: number;
  /** Messages delivered (dry runs excluded). */
  delivered: number;
  /** Answers of `messages:send` per status; "none" for never answered. */
  statuses: StatusCounts;
  /** Instance ID calls per kind, whatever their answer. */
  topicCalls: Record<TopicAction, number>;
};

export type FakeFcmFaults = {
  add(fault: FakeFcmFault): string;
  remove(id: string): boolean;
  clear(): number;
  list(): ActiveFault<FakeFcmFault>[];
};

/** A running fake FCM: OAuth token endpoint, HTTP v1 `messages:send` and Instance ID topic calls. */
export type FakeFcm = {
  /** `http://<host>:<port>`: the base for `/v1/projects/{p}/messages:send` and `/iid/v1:batchAdd`. */
  readonly url: string;
  readonly port: number;
  readonly projectId: string;
  /** `${url}/token`. */
  readonly tokenUri: string;
  readonly serviceAccount: FakeServiceAccount;
  readonly faults: FakeFcmFaults;
  /** Messages delivered, oldest first, optionally only those to one registration token. */
  messages(token?: string, limit?: number): FcmReceived[];
  stats(): FakeFcmStats;
  /** The registration tokens subscribed to a topic (its bare name or `/topics/NAME`), in subscription order. */
  topicTokens(topic: string): string[];
  /** Later sends to these tokens answer 404 UNREGISTERED, and topic calls naming them NOT_FOUND. */
  unregister(...tokens: string[]): void;
  /** Forgets messages, counters, issued tokens and topic subscriptions; faults and unregistered tokens stay. */
  reset(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Starts a fake FCM HTTP v1 (see fakes/push/README.md) on 127.0.0.1, a free port by default.
 *
 * @example
 * await using fcm = await startFakeFcm();
 * // give a client fcm.serviceAccount (its token_uri points at the fake) and fcm.url as the FCM base
 * fcm.messages("device-token")[0]?.message.notification;
 */
export async function startFakeFcm(options: FakeFcmOptions = {}): Promise<FakeFcm> {
  const resolved = resolveFcmOptions(options);
  const account = await trustAccount(resolved.serviceAccount, resolved.projectId);
  const timers = new Set<NodeJS.Timeout>();
  const statuses: StatusCounts = {};
  let nextId = 1;
  let tokenUri = "";
  const world: TopicWorld = {
    options: resolved,
    issuer: createTokenIssuer({
      account,
      // Read at verification time: tokenUri is known once the server listens.
      audiences: () => [tokenUri, GOOGLE_TOKEN_URI],
      lifetimeSeconds: resolved.tokenLifetimeSeconds,
      now: resolved.now,
    }),
    faults: createFaultBook<FakeFcmFault>(),
    quota: new TokenBucket(resolved.rateLimit, resolved.now()),
    unregistered: new Set(resolved.unregisteredTokens),
    topics: new Map(),
    topicQuota: new TokenBucket(resolved.topicRateLimit, resolved.now()),
    topicCalls: { batchAdd: 0, batchRemove: 0 },
    received: createReceived<FcmReceived>(resolved.receivedLogSize),
    nextId: () => `${resolved.now()}${String(nextId++).padStart(6, "0")}`,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
  };
  const messages = (token?: string, limit?: number) =>
    world.received.list(
      (entry) => token === undefined || ("token" in entry.target && entry.target.token === token),
      limit,
    );
  const stats = (): FakeFcmStats => ({
    tokensIssued: world.issuer.issued,
    delivered: world.received.total,
    statuses: { ...statuses },
    topicCalls: { ...world.topicCalls },
  });
  const topicTokens = (topic: string) => [...(world.topics.get(topicNameOf(topic) ?? topic) ?? [])];
  const unregister = (...tokens: string[]) => {
    for (const token of tokens) world.unregistered.add(token);
  };
  const reset = () => {
    world.received.clear();
    world.issuer.reset();
    world.topics.clear();
    world.topicCalls = { batchAdd: 0, batchRemove: 0 };
    for (const key of Object.keys(statuses)) delete statuses[key];
  };

  async function handle(request: PlainRequest): Promise<Reply | undefined> {
    if (request.path.startsWith(CONTROL_PREFIX)) {
      return handleControl(
        {
          messages,
          stats,
          faults: world.faults,
          faultSchema: fcmFaultSchema,
          unregister: (tokens) => unregister(...tokens),
          reset,
          credentials: () => serviceAccount,
          topicTokens,
        },
        request,
      );
    }
    if (request.path === "/token" && request.method === "POST") {
      return world.issuer.exchange(request.rawBody, request.headers["content-type"]);
    }
    if (request.path.startsWith("/iid/")) return handleTopicCall(world, request);
    const reply = await handleSend(world, request);
    countStatus(statuses, reply?.status ?? null);
    return reply;
  }

  const server = await listenHttp1(resolved.host, resolved.port, handle);
  const url = urlOf("http", resolved.host, server.port);
  tokenUri = `${url}/token`;
  const serviceAccount = serviceAccountJson(account, resolved.projectId, tokenUri);
  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await server.close();
  };
  return {
    url,
    port: server.port,
    projectId: resolved.projectId,
    tokenUri,
    serviceAccount,
    faults: world.faults,
    messages,
    stats,
    topicTokens,
    unregister,
    reset,
    close,
    [Symbol.asyncDispose]: close,
  };
}
