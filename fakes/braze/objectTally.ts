import { createFingerprintSet, type FingerprintSet } from "./fingerprintSet.ts";
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
 * Counts the objects /users/track processed. With `countDuplicates`, it also keeps a fingerprint of
 * each one's JSON (16–32 bytes an object, see fingerprintSet.ts), so a benchmark can tell whether
 * anything was sent twice without reading a million events back; off by default, as a
 * long-running fake would only grow.
 */
export function createObjectTally(countDuplicates: boolean): ObjectTally {
  let objects = zeroes();
  let duplicates = zeroes();
  let seen = fingerprintSets();
  return {
    record(array, object) {
      objects[array] += 1;
      if (!countDuplicates) return;
      if (!seen[array].add(JSON.stringify(object))) duplicates[array] += 1;
    },
    counts: () =>
      countDuplicates ? { objects: { ...objects }, duplicates: { ...duplicates } } : { objects: { ...objects } },
    clear() {
      objects = zeroes();
      duplicates = zeroes();
      seen = fingerprintSets();
    },
  };
}

function zeroes(): Record<InputArray, number> {
  return { attributes: 0, events: 0, purchases: 0 };
}

function fingerprintSets(): Record<InputArray, FingerprintSet> {
  return Object.fromEntries(INPUT_ARRAYS.map((array) => [array, createFingerprintSet()])) as Record<
    InputArray,
    FingerprintSet
  >;
}
