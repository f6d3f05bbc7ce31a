import type { DocumentNode } from "graphql";
import { LRUCache } from "lru-cache";

/** Yoga's own: how many documents, and for how long. */
const MAX_DOCUMENTS = 1024;
const TTL_MS = 3_600_000;
/** Characters of query text cached in all, and for one document. */
const MAX_CACHED_CHARACTERS = 16 * 1024 * 1024;
const MAX_DOCUMENT_CHARACTERS = 64 * 1024;

/**
 * yoga's parser caches, bounded by the size of the query text they keep. Its own keep 1,024
 * documents of any size for an hour, keyed by the text: 4 MiB documents sent without a key
 * (a long string or comment keeps them within the token bound) would hold 4 GiB. A document
 * longer than MAX_DOCUMENT_CHARACTERS is parsed each time it comes, which its length costs anyway.
 */
export function boundedParserCaches() {
  const cache = <T extends object>() =>
    new LRUCache<string, T>({
      max: MAX_DOCUMENTS,
      ttl: TTL_MS,
      maxSize: MAX_CACHED_CHARACTERS,
      maxEntrySize: MAX_DOCUMENT_CHARACTERS,
      sizeCalculation: (_value, key) => Math.max(1, key.length),
    });
  return { documentCache: cache<DocumentNode>(), errorCache: cache<object>() };
}
