import { LRUCache } from "lru-cache";

/**
 * The longest a cached authentication fact (a valid key, an account's SDK authentication) is
 * trusted without the store: the bound on a change whose announcement was lost while connected.
 */
export const TRUSTED_FOR_MS = 10_000;

/**
 * A bounded cache of store reads that auth-change announcements keep honest. Entries are served
 * only while the process hears announcements, and each lives at most its time to live in case one
 * is lost all the same. A read that began before a `forget` is not kept, so a change announced
 * while it was in flight is never hidden by it.
 */
export type AnnouncedCache<V> = {
  /** The cached value, or `load`'s (kept when nothing was forgotten meanwhile). */
  get: (key: string, load: () => Promise<V>) => Promise<V>;
  /** The cached value without reading anything; undefined when absent or not to be trusted now. */
  peek: (key: string) => V | undefined;
  /** Drops the entries `which` picks, or every entry. */
  forget: (which?: (value: V) => boolean) => void;
};

export type AnnouncedCacheOptions<V> = {
  /** Whether announcements are heard right now (gateway/authChanges.ts). */
  listening: () => boolean;
  max: number;
  ttlMs: (value: V) => number;
};

export function createAnnouncedCache<V extends object>(options: AnnouncedCacheOptions<V>): AnnouncedCache<V> {
  const entries = new LRUCache<string, V>({ max: options.max });
  let generation = 0;
  return {
    async get(key, load) {
      const cached = options.listening() ? entries.get(key) : undefined;
      if (cached !== undefined) return cached;
      const started = generation;
      const value = await load();
      if (started === generation && options.listening()) entries.set(key, value, { ttl: options.ttlMs(value) });
      return value;
    },
    peek: (key) => (options.listening() ? entries.get(key) : undefined),
    forget(which) {
      generation += 1;
      if (!which) return entries.clear();
      for (const [key, value] of entries.entries()) if (which(value)) entries.delete(key);
    },
  };
}
