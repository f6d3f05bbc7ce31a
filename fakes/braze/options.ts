/**
 * What a fake Braze can be told at start: keys, limits, clock. `resolveOptions` fills the defaults
 * once, so the rest of the fake reads plain values.
 */

/** How /users/track counts its 75-object cap: across all three arrays, or per array (Braze's "legacy"). */
export const BatchMode = { COMBINED: "COMBINED", PER_TYPE: "PER_TYPE" } as const;
export type BatchMode = (typeof BatchMode)[keyof typeof BatchMode];

/** `x-ratelimit-reset` as UTC epoch seconds or as seconds from now: Braze documents both. */
export const ResetHeaderForm = { EPOCH: "epoch", DELTA: "delta" } as const;
export type ResetHeaderForm = (typeof ResetHeaderForm)[keyof typeof ResetHeaderForm];

/** The REST-key permissions the fake's routes need. */
export const PERMISSIONS = [
  "users.track",
  "users.delete",
  "users.merge",
  "users.identify",
  "users.export.ids",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Endpoint groups that share one rate-limit window per key. */
export const RATE_GROUPS = ["track", "usersManagement", "exportIds"] as const;
export type RateGroup = (typeof RATE_GROUPS)[number];

/** At most `limit` calls in any rolling `windowMs`. */
export type RateLimit = { limit: number; windowMs: number };
export type RateLimits = Record<RateGroup, RateLimit>;

/** One REST key. Without `cluster` it answers on any Host; with one, only on that cluster's host. */
export type FakeBrazeKey = {
  key: string;
  /** A cluster name (`iad-01`) or its REST host (`rest.iad-01.braze.com`). */
  cluster?: string;
  /** Default: every permission. */
  permissions?: readonly Permission[];
  batchMode?: BatchMode;
  rateLimits?: Partial<RateLimits>;
};

export type FakeBrazeOptions = {
  /** Default 0 (a free port). */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Plain strings get every permission and any cluster. Default: [DEFAULT_KEY]. */
  keys?: readonly (string | FakeBrazeKey)[];
  /** Default batch mode of keys that name none; default COMBINED. */
  batchMode?: BatchMode;
  /** Default limits of keys that name none. */
  rateLimits?: Partial<RateLimits>;
  resetHeader?: ResetHeaderForm;
  /** Elements kept per array attribute before the oldest are dropped; default 25. */
  arrayCap?: number;
  /** external_ids refused with BLACKLISTED_EXTERNAL_USER_ID (compared case-insensitively). */
  blocklistedExternalIds?: readonly string[];
  /** Default true: Braze takes negative prices (reversals). */
  allowNegativePrice?: boolean;
  /** Requests kept for inspection (oldest dropped); counters are kept regardless. Default 1,000. */
  requestLogSize?: number;
  /**
   * Default false: true keeps a fingerprint of every object /users/track processes, so `stats()`
   * counts `duplicates` (objects identical to one received before) at 16–32 bytes of memory an object.
   */
  countDuplicates?: boolean;
  /**
   * Default true: every event and purchase /users/track processes is kept, for the inspection
   * endpoints and `/users/export/ids`. False only counts them (profiles and their attributes are
   * kept either way), so that a benchmark's fake does not grow by a million objects.
   */
  keepObjects?: boolean;
  /** Epoch milliseconds; drives rate windows, event clamping and logged times. */
  now?: () => number;
};

export const DEFAULT_KEY = "fake-braze-key";

export const DEFAULT_RATE_LIMITS: RateLimits = {
  track: { limit: 3_000, windowMs: 3_000 },
  usersManagement: { limit: 20_000, windowMs: 60_000 },
  exportIds: { limit: 250, windowMs: 60_000 },
};

/** Braze's spam blocking refuses such "dummy user" ids; the exact list is Braze's own. */
export const DEFAULT_BLOCKLIST = ["null", "undefined", "none", "nil", "n/a", "-1"];

/** A key as the fake uses it; `batchMode` changes at run time through the switches. */
export type ResolvedKey = {
  key: string;
  cluster: string | undefined;
  permissions: ReadonlySet<Permission>;
  batchMode: BatchMode;
  rateLimits: RateLimits;
};

export type ResolvedOptions = {
  port: number;
  host: string;
  keys: Map<string, ResolvedKey>;
  resetHeader: ResetHeaderForm;
  arrayCap: number;
  blocklist: ReadonlySet<string>;
  allowNegativePrice: boolean;
  requestLogSize: number;
  countDuplicates: boolean;
  keepObjects: boolean;
  now: () => number;
};

const BRAZE_HOST = /^rest\.([a-z0-9-]+)\.braze\.(?:com|eu)$/;

/** The cluster a Host header points at (`rest.fra-01.braze.eu:443` → `fra-01`); other hosts have none. */
export function clusterOfHost(host: string | undefined): string | undefined {
  const name = host?.toLowerCase().replace(/:\d+$/, "");
  return name === undefined ? undefined : BRAZE_HOST.exec(name)?.[1];
}

/** A configured cluster, given as a name or as a REST host, reduced to its name. */
export function clusterName(cluster: string): string {
  return clusterOfHost(cluster) ?? cluster.toLowerCase();
}

export function resolveOptions(options: FakeBrazeOptions = {}): ResolvedOptions {
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const keys = new Map<string, ResolvedKey>();
  for (const entry of options.keys ?? [DEFAULT_KEY]) {
    const key: FakeBrazeKey = typeof entry === "string" ? { key: entry } : entry;
    keys.set(key.key, {
      key: key.key,
      cluster: key.cluster === undefined ? undefined : clusterName(key.cluster),
      permissions: new Set(key.permissions ?? PERMISSIONS),
      batchMode: key.batchMode ?? options.batchMode ?? BatchMode.COMBINED,
      rateLimits: { ...limits, ...key.rateLimits },
    });
  }
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    keys,
    resetHeader: options.resetHeader ?? ResetHeaderForm.EPOCH,
    arrayCap: options.arrayCap ?? 25,
    blocklist: new Set((options.blocklistedExternalIds ?? DEFAULT_BLOCKLIST).map((id) => id.toLowerCase())),
    allowNegativePrice: options.allowNegativePrice ?? true,
    requestLogSize: options.requestLogSize ?? 1_000,
    countDuplicates: options.countDuplicates ?? false,
    keepObjects: options.keepObjects ?? true,
    now: options.now ?? Date.now,
  };
}
