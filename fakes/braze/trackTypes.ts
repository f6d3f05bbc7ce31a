/** The three arrays of a /users/track body, in the order Braze processes them. */
export const INPUT_ARRAYS = ["attributes", "events", "purchases"] as const;
export type InputArray = (typeof INPUT_ARRAYS)[number];

/** One entry of a /users/track response's `errors`: the object at `index` of `input_array` was skipped. */
export type TrackError = { type: string; input_array: InputArray; index: number };

/** A JSON object as parsed from a request body. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
