import { badInput } from "./errors.ts";

/** Longer than any cursor a connection hands out; a longer `after` is refused unread. */
const MAX_CURSOR_LENGTH = 1024;

/**
 * Reads a connection's `after` argument, the `endCursor` of an earlier page. `decode` turns it into
 * what the store pages from, or answers undefined when it is not a cursor this connection hands
 * out; that is refused as `BAD_USER_INPUT` on `after`, saying `expected`. So a client's text never
 * reaches a query as a bound of its own.
 */
export function parseCursor<T>(
  after: string | null | undefined,
  decode: (cursor: string) => T | undefined,
  expected: string,
): T | undefined {
  if (after === null || after === undefined) return undefined;
  const position = after.length <= MAX_CURSOR_LENGTH ? decode(after) : undefined;
  if (position === undefined) throw badInput([{ field: "after", message: `must be ${expected}` }]);
  return position;
}
