import { BSON, MongoInvalidArgumentError, MongoServerError } from "mongodb";

/**
 * Server error codes that say "this document can never be stored as it is", whatever the moment:
 * BadValue (FerretDB's answer to keys starting with `$` or holding `.`, and to nested arrays),
 * TypeMismatch, Overflow, DollarPrefixedFieldName, EmptyFieldName, DottedFieldName,
 * BSONObjectTooLarge and KeyTooLong.
 */
const REFUSING_CODES = new Set([2, 14, 15, 52, 56, 57, 10334, 17280]);

/**
 * True when a write failed because of the document itself, not of the store or the network: the
 * driver could not encode it (a key with NUL, past 16 MiB) or the server refused its content.
 * Retrying such a write can never succeed; anything else may.
 */
export function isDocumentRefusal(error: unknown): boolean {
  if (BSON.BSONError.isBSONError(error) || error instanceof MongoInvalidArgumentError) return true;
  // The driver encodes a document past its buffer before checking its size.
  if (error instanceof RangeError) return true;
  return error instanceof MongoServerError && typeof error.code === "number" && REFUSING_CODES.has(error.code);
}
