import type http from "node:http";
import type { ResponseHeaders } from "./retryPolicy.ts";

/** Node's parsed headers, read like `Headers` (repeated ones joined), without copying them. */
export function headersOf(raw: http.IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}
