import { isJsonObject, type JsonObject } from "./trackTypes.ts";

/** Fields of an attributes object that pick the user rather than set anything. */
const IDENTITY_FIELDS = new Set(["external_id", "braze_id", "user_alias", "_update_existing_only"]);

/** Braze keeps string attributes to 255 characters [inferred: it truncates rather than refuses]. */
export const MAX_STRING_LENGTH = 255;

/**
 * Applies one attributes object to a profile's attributes, as /users/track does: `null` unsets,
 * `{"inc":n}` adds, an array replaces, `{"add":[…],"remove":[…]}` edits a set-like array (see
 * `editArray`), strings are cut at 255 characters, anything else is stored as sent.
 */
export function applyAttributes(target: JsonObject, update: JsonObject, arrayCap: number): void {
  for (const [name, value] of Object.entries(update)) {
    if (IDENTITY_FIELDS.has(name)) continue;
    if (value === null) {
      delete target[name];
    } else if (Array.isArray(value)) {
      target[name] = keepNewest(value.map(truncate), arrayCap);
    } else if (isIncrement(value)) {
      const current = target[name];
      target[name] = (typeof current === "number" ? current : 0) + value.inc;
    } else if (isArrayEdit(value)) {
      target[name] = editArray(target[name], value, arrayCap);
    } else {
      // Nested objects are kept by reference: the parsed body is never mutated, and reads copy.
      target[name] = truncate(value);
    }
  }
}

type Increment = { inc: number };
type ArrayEdit = { add?: unknown[]; remove?: unknown[] };

function isIncrement(value: unknown): value is Increment {
  return isJsonObject(value) && Object.keys(value).length === 1 && typeof value.inc === "number";
}

function isArrayEdit(value: unknown): value is ArrayEdit {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => (key === "add" || key === "remove") && Array.isArray(value[key]));
}

/**
 * Removes first, then adds. Values stay unique: re-adding one moves it to the end (newest). Past the
 * cap the oldest (front) values are dropped, as Braze does silently.
 */
function editArray(current: unknown, edit: ArrayEdit, cap: number): unknown[] {
  const removed = new Set((edit.remove ?? []).map(identity));
  let values = (Array.isArray(current) ? current : []).filter((value) => !removed.has(identity(value)));
  for (const added of (edit.add ?? []).map(truncate)) {
    values = values.filter((value) => identity(value) !== identity(added));
    values.push(added);
  }
  return keepNewest(values, cap);
}

function keepNewest(values: unknown[], cap: number): unknown[] {
  return values.length > cap ? values.slice(values.length - cap) : values;
}

/** Array elements compare by value, so `1` and `"1"` stay distinct and objects compare by content. */
function identity(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

/** Cuts at 255 characters (code points, so an emoji is never split). */
function truncate(value: unknown): unknown {
  if (typeof value !== "string" || value.length <= MAX_STRING_LENGTH) return value;
  const characters = Array.from(value);
  return characters.length > MAX_STRING_LENGTH ? characters.slice(0, MAX_STRING_LENGTH).join("") : value;
}
