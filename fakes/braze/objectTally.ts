import { hash } from "node:crypto";
import { INPUT_ARRAYS, type InputArray, type JsonObject } from "./trackTypes.ts";

/** Per array of /users/track: objects processed, and (when asked for) those already seen. */
export type ObjectCounts = {
  objects: Record<InputArray, number>;
  /** Objects identical, byte for byte as JSON, to one the same array processed before. */
  duplicates?: Record<InputArray, number>;
};

export type ObjectTally = {
  record(array: InputArray, object: JsonObject): void;
  counts(): ObjectCounts;
  clear(): void;
};

/**
 * Counts the objects /users/track processed. With `countDuplicates`, it also keeps a digest of
 * each one (~70 bytes an object), so a benchmark can tell whether anything was sent twice without
 * reading a million events back; off by default, as a long-running fake would only grow.
 */
export function createObjectTally(countDuplicates: boolean): ObjectTally {
  let objects = zeroes();
  let duplicates = zeroes();
  let seen = digestSets();
  return {
    record(array, object) {
      objects[array] += 1;
      if (!countDuplicates) return;
      const digest = hash("sha1", JSON.stringify(object), "base64");
      if (seen[array].has(digest)) duplicates[array] += 1;
      else seen[array].add(digest);
    },
    counts: () =>
      countDuplicates ? { objects: { ...objects }, duplicates: { ...duplicates } } : { objects: { ...objects } },
    clear() {
      objects = zeroes();
      duplicates = zeroes();
      seen = digestSets();
    },
  };
}

function zeroes(): Record<InputArray, number> {
  return { attributes: 0, events: 0, purchases: 0 };
}

function digestSets(): Record<InputArray, Set<string>> {
  return Object.fromEntries(INPUT_ARRAYS.map((array) => [array, new Set<string>()])) as Record<InputArray, Set<string>>;
}
