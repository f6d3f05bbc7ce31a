/** MongoDB's error code for a duplicate `_id` (or any unique index). */
const DUPLICATE_KEY = 11000;

type WriteError = { code?: number; index: number };

/**
 * The operation indexes a write refused only for duplicate keys, or undefined when the error is
 * something else. A single insert's error carries the code itself; a bulk's carries `writeErrors`.
 */
export function duplicateKeyIndexes(error: unknown): number[] | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, writeErrors } = error as { code?: number; writeErrors?: WriteError[] | WriteError };
  if (!writeErrors) return code === DUPLICATE_KEY ? [0] : undefined;
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return list.every((e) => e.code === DUPLICATE_KEY) ? list.map((e) => e.index) : undefined;
}

/** True when a write failed only because its keys already exist. */
export function isDuplicateKey(error: unknown): boolean {
  return duplicateKeyIndexes(error) !== undefined;
}
