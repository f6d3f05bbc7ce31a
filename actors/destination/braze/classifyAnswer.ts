import type { AnswerClass, CallItem } from "../provider.ts";
import { type BackoffOptions, exhausted, resumeAt, verdictOf } from "../retryPolicy.ts";
import { type BrazeResponse, isTooLong } from "./brazeClient.ts";
import { TRACK_ARRAYS } from "./brazeObjects.ts";
import type { Carried } from "./planning/callBodies.ts";

/**
 * What a Braze answer means (docs/braze.md, "Failures"): 5xx, timeouts and network errors are retried
 * with backoff; 429 waits for what the headers say; 401/403 are configuration errors; "Max Input
 * Length Exceeded" is a call too large for the account; any other 4xx refuses the call's items;
 * a 200 with `errors` refuses only the items they name (by `input_array` and `index`, which
 * `itemsOfCarried` gives as `at`). Headers saying no call remains hold the account's limiter.
 */
export function classifyBrazeAnswer(
  answer: BrazeResponse,
  attempt: number,
  nowMs: number,
  backoff: BackoffOptions,
): AnswerClass {
  const holdUntil = "status" in answer && exhausted(answer.headers) ? resumeAt(answer.headers, nowMs) : undefined;
  const held = holdUntil === undefined ? {} : { holdUntil };
  if (isTooLong(answer)) return { kind: "tooLarge", ...held };
  const verdict = verdictOf(answer, attempt, nowMs, backoff);
  switch (verdict.kind) {
    case "delivered": {
      const status = "status" in answer ? answer.status : 0;
      const errors = "status" in answer ? (answer.body.errors ?? []) : [];
      // An error naming no object we sent refuses none.
      const refused = errors.flatMap(({ input_array: array, index, type }) =>
        array === undefined || index === undefined ? [] : [{ at: `${array}/${index}`, message: type }],
      );
      return { kind: "delivered", status, ...(refused.length > 0 ? { refused } : {}), ...held };
    }
    case "refused": {
      const status = "status" in answer ? answer.status : 0;
      const message = "status" in answer ? (answer.body.message ?? verdict.reason) : verdict.reason;
      return { kind: "refused", status, message, ...held };
    }
    default:
      return { ...verdict, ...held };
  }
}

/**
 * What a Braze call carries, item by item for the sync log: each track item with the body array
 * and index of the object it went into (`events/3`; merged attributes share one), or each deletion.
 */
export function itemsOfCarried(carried: Carried): CallItem[] {
  if (carried.kind === "delete") {
    return carried.deletions.map(({ customerId, origin }) => ({
      customerId,
      item: "delete",
      factId: origin.factId,
      part: origin.part,
    }));
  }
  return TRACK_ARRAYS.flatMap((array) =>
    carried.refs[array].flatMap((refs, index) =>
      refs.map(({ type, customerId, origin }) => ({
        customerId,
        item: type,
        factId: origin.factId,
        part: origin.part,
        at: `${array}/${index}`,
      })),
    ),
  );
}
