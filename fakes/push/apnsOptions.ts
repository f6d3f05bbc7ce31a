import type { RateLimit } from "./tokenBucket.ts";

/** The provider key the fake trusts: Apple's Key ID and Team ID, and the public half of the .p8 key. */
export type ApnsSigningKey = { teamId: string; keyId: string; publicKey: string };

export type FakeApnsOptions = {
  /** HTTP/2 (h2c) port; default 0 (a free port). */
  port?: number;
  /** HTTP/1.1 control port; default 0 (a free port). */
  controlPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a generated ES256 pair under team FAKETEAM01 and key FAKEKEY001, handed out by `credentials`. */
  signingKey?: ApnsSigningKey;
  /** Topics (bundle ids) the key may push to; others answer TopicDisallowed. Default: any. */
  topics?: string[];
  /** Device tokens the fake accepts; others answer BadDeviceToken. Default: 32 to 100 bytes in hex. */
  deviceTokenPattern?: RegExp;
  /** Seconds a provider token stays valid after its `iat`; default Apple's 3600. */
  providerTokenMaxAgeSeconds?: number;
  /** Sends per device token before TooManyRequests; default 100 per 60 s (Apple publishes no figure). */
  deviceRateLimit?: RateLimit;
  /** Sends in all before TooManyRequests; default none. */
  rateLimit?: RateLimit;
  /** Device tokens answered 410 Unregistered from the start. */
  unregisteredTokens?: string[];
  /** Notifications kept for inspection; counters count every one. Default 10,000. */
  receivedLogSize?: number;
  /** The clock (epoch ms) for provider tokens, limits and timestamps. Default Date.now. */
  now?: () => number;
};

export type ResolvedApnsOptions = {
  port: number;
  controlPort: number;
  host: string;
  topics: ReadonlySet<string> | undefined;
  deviceTokenPattern: RegExp;
  providerTokenMaxAgeSeconds: number;
  deviceRateLimit: RateLimit;
  rateLimit: RateLimit | undefined;
  unregisteredTokens: string[];
  receivedLogSize: number;
  now: () => number;
};

export function resolveApnsOptions(options: FakeApnsOptions): ResolvedApnsOptions {
  return {
    port: options.port ?? 0,
    controlPort: options.controlPort ?? 0,
    host: options.host ?? "127.0.0.1",
    topics: options.topics === undefined ? undefined : new Set(options.topics),
    deviceTokenPattern: options.deviceTokenPattern ?? /^(?:[0-9a-fA-F]{2}){32,100}$/,
    providerTokenMaxAgeSeconds: options.providerTokenMaxAgeSeconds ?? 3600,
    deviceRateLimit: options.deviceRateLimit ?? { limit: 100, windowMs: 60_000 },
    rateLimit: options.rateLimit,
    unregisteredTokens: options.unregisteredTokens ?? [],
    receivedLogSize: options.receivedLogSize ?? 10_000,
    now: options.now ?? Date.now,
  };
}
