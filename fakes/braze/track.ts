import { applyAttributes } from "./attributes.ts";
import { parseBrazeTime } from "./brazeTime.ts";
import { resolveProfile } from "./identifiers.ts";
import * as messages from "./messages.ts";
import { BatchMode } from "./options.ts";
import { type BrazeCall, messageReply, type Reply } from "./reply.ts";
import { INPUT_ARRAYS, type InputArray, isJsonObject, type JsonObject, type TrackError } from "./trackTypes.ts";
import { trackObjectError } from "./validateTrack.ts";

/** Braze's cap on objects per /users/track request (per array in PER_TYPE mode). */
export const MAX_TRACK_OBJECTS = 75;

type Arrays = Record<InputArray, unknown[]>;

/**
 * POST /users/track: validates every object, skips the bad ones into `errors`, then applies the
 * rest in Braze's order (attributes, then events, then purchases).
 */
export function track(call: BrazeCall): Reply {
  const arrays = readArrays(call.body);
  if (arrays === undefined) return messageReply(400, messages.BAD_REQUEST);
  if (overLimit(arrays, call.key.batchMode)) return messageReply(400, messages.MAX_INPUT_LENGTH_EXCEEDED);

  const errors: TrackError[] = [];
  const valid: Record<InputArray, JsonObject[]> = { attributes: [], events: [], purchases: [] };
  for (const array of INPUT_ARRAYS) {
    arrays[array].forEach((object, index) => {
      const forced = call.forcedErrors.find((e) => e.input_array === array && e.index === index);
      const type =
        forced !== undefined ? (forced.type ?? messages.FORCED_ERROR) : trackObjectError(array, object, call.options);
      if (type !== undefined) errors.push({ type, input_array: array, index });
      else if (isJsonObject(object)) valid[array].push(object);
    });
  }
  if (INPUT_ARRAYS.every((array) => valid[array].length === 0)) {
    return {
      status: 400,
      body:
        errors.length > 0
          ? { message: messages.VALID_DATA_REQUIRED, errors }
          : { message: messages.VALID_DATA_REQUIRED },
    };
  }

  for (const object of valid.attributes) applyAttributeObject(call, object);
  for (const object of valid.events) recordEvent(call, object);
  for (const object of valid.purchases) recordPurchase(call, object);
  for (const array of INPUT_ARRAYS) for (const object of valid[array]) call.tally.record(array, object);

  const body: JsonObject = { message: "success" };
  for (const array of INPUT_ARRAYS) {
    // Counted as queued, as Braze answers before processing: objects skipped later for an unknown user count too.
    if (arrays[array].length > 0) body[`${array}_processed`] = valid[array].length;
  }
  if (errors.length > 0) body.errors = errors;
  return { status: 200, body };
}

/** The three arrays (absent or null = empty), or undefined when one is not an array. */
function readArrays(body: JsonObject): Arrays | undefined {
  const arrays: Arrays = { attributes: [], events: [], purchases: [] };
  for (const array of INPUT_ARRAYS) {
    const value = body[array];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) return undefined;
    arrays[array] = value;
  }
  return arrays;
}

function overLimit(arrays: Arrays, mode: BatchMode): boolean {
  const sizes = INPUT_ARRAYS.map((array) => arrays[array].length);
  return mode === BatchMode.COMBINED
    ? sizes.reduce((sum, size) => sum + size, 0) > MAX_TRACK_OBJECTS
    : sizes.some((size) => size > MAX_TRACK_OBJECTS);
}

function applyAttributeObject(call: BrazeCall, object: JsonObject): void {
  const profile = resolveProfile(call.store, object, call.now);
  if (profile === undefined) return;
  applyAttributes(profile.attributes, object, call.options.arrayCap);
  profile.updatedAt = call.now;
}

/** Braze clamps a future time to the time it received the object. */
function clampedTime(object: JsonObject, now: number): number {
  return Math.min(parseBrazeTime(object.time) ?? now, now);
}

/** Kept by reference: each request's body is parsed afresh, nothing mutates it, and every read copies. */
function optionalProperties(object: JsonObject): JsonObject | undefined {
  return isJsonObject(object.properties) ? object.properties : undefined;
}

function recordEvent(call: BrazeCall, object: JsonObject): void {
  const profile = resolveProfile(call.store, object, call.now);
  if (profile === undefined) return;
  profile.updatedAt = call.now;
  if (!call.options.keepObjects) return;
  call.store.events.push({
    brazeId: profile.brazeId,
    externalId: profile.externalId,
    name: String(object.name),
    time: clampedTime(object, call.now),
    properties: optionalProperties(object),
    appId: typeof object.app_id === "string" ? object.app_id : undefined,
    receivedAt: call.now,
  });
}

function recordPurchase(call: BrazeCall, object: JsonObject): void {
  const profile = resolveProfile(call.store, object, call.now);
  if (profile === undefined) return;
  profile.updatedAt = call.now;
  if (!call.options.keepObjects) return;
  call.store.purchases.push({
    brazeId: profile.brazeId,
    externalId: profile.externalId,
    productId: String(object.product_id),
    currency: String(object.currency),
    price: Number(object.price),
    quantity: typeof object.quantity === "number" ? object.quantity : 1,
    time: clampedTime(object, call.now),
    properties: optionalProperties(object),
    appId: typeof object.app_id === "string" ? object.app_id : undefined,
    receivedAt: call.now,
  });
}
