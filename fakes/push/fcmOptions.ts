import type { ServiceAccountKey } from "./fcmOAuth.ts";
import type { RateLimit } from "./tokenBucket.ts";

export type FakeFcmOptions = {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Firebase project sends must name; default `fake-project`. */
  projectId?: string;
  /** The service account to trust; default: a generated key pair, handed out by `serviceAccount`. */
  serviceAccount?: ServiceAccountKey;
  /** Lifetime of issued access tokens; default 3599 s, as Google answers. */
  tokenLifetimeSeconds?: number;
  /** Sends per project; default FCM's 600,000 per minute. */
  rateLimit?: RateLimit;
  /** Payload limit in bytes; default 4096, and 2048 for topic messages. */
  payloadLimitBytes?: number;
  topicPayloadLimitBytes?: number;
  /** Registration tokens one Instance ID `batchAdd`/`batchRemove` may name; default 1,000, as the Admin SDK caps it. */
  topicBatchLimit?: number;
  /** Instance ID calls per project, a quota of their own; Google publishes none, default as for sends. */
  topicRateLimit?: RateLimit;
  /** Registration tokens answered with UNREGISTERED from the start. */
  unregisteredTokens?: string[];
  /** Messages kept for inspection; counters count every one. Default 10,000. */
  receivedLogSize?: number;
  /** The clock (epoch ms) for tokens and the quota. Default Date.now. */
  now?: () => number;
};

export const DEFAULT_FCM_RATE_LIMIT: RateLimit = { limit: 600_000, windowMs: 60_000 };

export type ResolvedFcmOptions = Required<Omit<FakeFcmOptions, "serviceAccount">> & {
  serviceAccount: ServiceAccountKey | undefined;
};

export function resolveFcmOptions(options: FakeFcmOptions): ResolvedFcmOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    projectId: options.projectId ?? "fake-project",
    serviceAccount: options.serviceAccount,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    rateLimit: options.rateLimit ?? DEFAULT_FCM_RATE_LIMIT,
    payloadLimitBytes: options.payloadLimitBytes ?? 4096,
    topicPayloadLimitBytes: options.topicPayloadLimitBytes ?? 2048,
    topicBatchLimit: options.topicBatchLimit ?? 1000,
    topicRateLimit: options.topicRateLimit ?? DEFAULT_FCM_RATE_LIMIT,
    unregisteredTokens: options.unregisteredTokens ?? [],
    receivedLogSize: options.receivedLogSize ?? 10_000,
    now: options.now ?? Date.now,
  };
}
