const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const BRACKET_L = 0x5b; // [
const BRACKET_R = 0x5d; // ]
const BRACE_L = 0x7b; // {
const BRACE_R = 0x7d; // }

/**
 * Arrays and objects a request's JSON may nest. Audience rules (depth ≤ 10, two levels each),
 * journey definitions around them and the request's own wrapping fit in half of it.
 */
export const MAX_JSON_NESTING = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `max`, found by scanning the text once,
 * before it is parsed. V8's JSON.parse takes about a microsecond per level, so a 4 MiB body of
 * `[` costs seconds before any key is looked at. Text that is not JSON is left to JSON.parse.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === BRACKET_L || code === BRACE_L) {
      depth += 1;
      if (depth > max) return true;
    } else if (code === BRACKET_R || code === BRACE_R) depth -= 1;
  }
  return false;
}
