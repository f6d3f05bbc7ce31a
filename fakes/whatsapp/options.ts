/**
 * What a fake WhatsApp Cloud API can be told at start: tokens, phone numbers, templates, limits,
 * clock. `resolveOptions` fills the defaults once, so the rest of the fake reads plain values.
 */
import type { ApprovedTemplate } from "./templates.ts";

export type FakeWhatsAppOptions = {
  /** Default 0 (a free port). */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Access tokens accepted as `Authorization: Bearer <token>`. Default: [DEFAULT_TOKEN]. */
  accessTokens?: readonly string[];
  /** Business phone number ids that exist. Default: [DEFAULT_PHONE_NUMBER_ID]. */
  phoneNumberIds?: readonly string[];
  /** Approved templates; more can be added at run time. Default: none. */
  templates?: readonly ApprovedTemplate[];
  /** Messages per second per phone number id before 130429; Cloud API's default throughput is 80. */
  maxPerSecond?: number;
  /**
   * Messages from one phone number id to one user per rolling window before 131056. Meta's figure
   * (about one every 6 s, with bursts) is approximate, so it is off unless given.
   */
  pairRateLimit?: PairRateLimit;
  /**
   * The HTTP status of a 130429 or 131056 answer. Reports disagree (400 like other Cloud API errors,
   * or 429), so it is a setting; default 400.
   */
  rateLimitStatus?: 400 | 429;
  /** How long a customer's inbound message opens the free-form window; default 24 h. */
  serviceWindowMs?: number;
  /** Requests kept for inspection (oldest dropped); messages and counters are kept regardless. Default 1,000. */
  requestLogSize?: number;
  /** Epoch milliseconds; drives the throughput window, service windows and recorded times. */
  now?: () => number;
};

/** At most `limit` messages in any rolling `windowMs`. */
export type PairRateLimit = { limit: number; windowMs: number };

export const DEFAULT_TOKEN = "fake-whatsapp-token";
export const DEFAULT_PHONE_NUMBER_ID = "100000000000001";
export const DEFAULT_MAX_PER_SECOND = 80;
/** Meta speaks of about one message every 6 s to the same user. */
export const DEFAULT_PAIR_WINDOW_MS = 6_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type ResolvedOptions = {
  port: number;
  host: string;
  accessTokens: ReadonlySet<string>;
  phoneNumberIds: ReadonlySet<string>;
  templates: readonly ApprovedTemplate[];
  maxPerSecond: number;
  pairRateLimit: PairRateLimit | undefined;
  rateLimitStatus: 400 | 429;
  serviceWindowMs: number;
  requestLogSize: number;
  now: () => number;
};

export function resolveOptions(options: FakeWhatsAppOptions = {}): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    accessTokens: new Set(options.accessTokens ?? [DEFAULT_TOKEN]),
    phoneNumberIds: new Set(options.phoneNumberIds ?? [DEFAULT_PHONE_NUMBER_ID]),
    templates: options.templates ?? [],
    maxPerSecond: options.maxPerSecond ?? DEFAULT_MAX_PER_SECOND,
    pairRateLimit: options.pairRateLimit,
    rateLimitStatus: options.rateLimitStatus ?? 400,
    serviceWindowMs: options.serviceWindowMs ?? DAY_MS,
    requestLogSize: options.requestLogSize ?? 1_000,
    now: options.now ?? Date.now,
  };
}
