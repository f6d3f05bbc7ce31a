/** MongoDB's error code for a duplicate `_id` (or any unique index). */
const DUPLICATE_KEY = 11000;

/**
 * FerretDB v1 answers an insert that breaks a unique index with 11000, but an update that does
 * with an InternalError (code 1) quoting SQLite's constraint.
 */
const FERRETDB_UPDATE_DUPLICATE = /\bUNIQUE constraint failed\b/;

type WriteError = { code?: number; index: number };

function isDuplicateCode(code: number | undefined, message: unknown): boolean {
  return (
    code === DUPLICATE_KEY || (code === 1 && typeof message === "string" && FERRETDB_UPDATE_DUPLICATE.test(message))
  );
}

/**
 * The operation indexes a write refused only for duplicate keys, or undefined when the error is
 * something else. A single insert's error carries the code itself; a bulk's carries `writeErrors`.
 */
export function duplicateKeyIndexes(error: unknown): number[] | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message, writeErrors } = error as {
    code?: number;
    message?: unknown;
    writeErrors?: WriteError[] | WriteError;
  };
  if (!writeErrors) return isDuplicateCode(code, message) ? [0] : undefined;
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return list.every((e) => e.code === DUPLICATE_KEY) ? list.map((e) => e.index) : undefined;
}

/** True when a write failed only because its keys already exist. */
export function isDuplicateKey(error: unknown): boolean {
  return duplicateKeyIndexes(error) !== undefined;
}
