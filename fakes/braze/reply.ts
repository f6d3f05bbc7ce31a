import type { ForcedError } from "./faults.ts";
import type { ObjectTally } from "./objectTally.ts";
import type { ResolvedKey, ResolvedOptions } from "./options.ts";
import type { ProfileStore } from "./profileStore.ts";
import type { JsonObject } from "./trackTypes.ts";

/** What one call is answered with. */
export type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** `{"message": text}` with this status, the shape of every Braze fatal error. */
export function messageReply(status: number, text: string, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body: { message: text } } : { status, body: { message: text }, headers };
}

/** One authenticated, admitted call with a JSON-object body, as a route handler sees it. */
export type BrazeCall = {
  body: JsonObject;
  key: ResolvedKey;
  now: number;
  store: ProfileStore;
  /** Counts what /users/track processed. */
  tally: ObjectTally;
  options: ResolvedOptions;
  /** From a partialErrors fault; only /users/track reads them. */
  forcedErrors: readonly ForcedError[];
};

export type BrazeHandler = (call: BrazeCall) => Reply;
