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
 * Counts the objects /users/track processed. With `countDuplicates`, it also keeps each one's JSON
 * (a string set hashes faster than a digest is computed: ~200 bytes an object), so a benchmark can
 * tell whether anything was sent twice without reading a million events back; off by default, as a
 * long-running fake would only grow.
 */
export function createObjectTally(countDuplicates: boolean): ObjectTally {
  let objects = zeroes();
  let duplicates = zeroes();
  let seen = jsonSets();
  return {
    record(array, object) {
      objects[array] += 1;
      if (!countDuplicates) return;
      const json = JSON.stringify(object);
      if (seen[array].has(json)) duplicates[array] += 1;
      else seen[array].add(json);
    },
    counts: () =>
      countDuplicates ? { objects: { ...objects }, duplicates: { ...duplicates } } : { objects: { ...objects } },
    clear() {
      objects = zeroes();
      duplicates = zeroes();
      seen = jsonSets();
    },
  };
}

function zeroes(): Record<InputArray, number> {
  return { attributes: 0, events: 0, purchases: 0 };
}

function jsonSets(): Record<InputArray, Set<string>> {
  return Object.fromEntries(INPUT_ARRAYS.map((array) => [array, new Set<string>()])) as Record<InputArray, Set<string>>;
}
