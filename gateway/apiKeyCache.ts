import { type ApiKey, type ApiKeys, hashApiKey } from "../store/index.ts";
import { createAnnouncedCache, TRUSTED_FOR_MS } from "./announcedCache.ts";
import type { AuthChanges } from "./authChanges.ts";

/**
 * How long an unknown or revoked key is refused without the store. A key cannot turn valid
 * later: `create` draws 192 random bits, so nobody presents a key before it exists.
 */
export const UNKNOWN_KEY_TTL_MS = 30_000;
const CACHED_KEYS = 10_000;

/** The store's keys behind a cache every gateway drops a revoked key from at once. */
export type ApiKeyCache = ApiKeys & {
  /** The key's owner when this process knows it as valid right now, without the store. */
  known: (key: string) => ApiKey | undefined;
};

export function createApiKeyCache(apiKeys: ApiKeys, changes: AuthChanges): ApiKeyCache {
  // `found` undefined is an unknown or revoked key: cached too, for a shorter time.
  const cache = createAnnouncedCache<{ found: ApiKey | undefined }>({
    listening: changes.listening,
    max: CACHED_KEYS,
    ttlMs: ({ found }) => (found ? TRUSTED_FOR_MS : UNKNOWN_KEY_TTL_MS),
  });
  changes.onChange((change) => {
    if (change.type === "missed") cache.forget();
    if (change.type === "apiKeyRevoked") {
      cache.forget(({ found }) => found?.id === change.keyId && found.account === change.account);
    }
  });
  return {
    create: apiKeys.create,
    async authenticate(key) {
      const { found } = await cache.get(hashApiKey(key), async () => ({ found: await apiKeys.authenticate(key) }));
      return found;
    },
    known: (key) => cache.peek(hashApiKey(key))?.found,
    async revoke(account, id) {
      const revoked = await apiKeys.revoke(account, id);
      if (revoked) await changes.announce({ type: "apiKeyRevoked", account, keyId: id });
      return revoked;
    },
  };
}
