import type { BrazeValue } from "./brazeObjects.ts";

/**
 * Turning our JSON (event properties, custom attributes) into values Braze accepts: strings and
 * keys cut to 255 characters, nested event properties flattened, and keys Braze refuses or would
 * misread renamed.
 *
 * The renaming rule, the same everywhere: a refused key gets a leading `_` (`time` → `_time`,
 * `$price` → `_$price`, `""` → `_`). A key that is then taken by another gets `_2`, `_3`, …
 * appended. Keys that were acceptable as given are claimed first, so they never change name
 * because of another key: `{ time: 1, _time: 2 }` becomes `{ _time_2: 1, _time: 2 }`.
 */

export const BRAZE_TEXT_LIMIT = 255;

/** Says whether a key can't be sent as it is. */
export type KeyRefusal = (key: string) => boolean;

/** Inside nested objects Braze refuses empty keys and a leading `$` (its operators start with one). */
export const refusedNestedKey: KeyRefusal = (key) => key === "" || key.startsWith("$");

/** Top-level event property keys: also Braze's reserved `time` and `event_name`. */
export const refusedPropertyKey: KeyRefusal = (key) => refusedNestedKey(key) || key === "time" || key === "event_name";

/**
 * Top-level attribute names that are not the customer's to set through custom attributes: Braze's
 * identifiers and controls, the fields we map from the profile, the subscription fields (consent
 * is Masivo's), and our own `masivo_` namespace (audiences, tags). Other Braze standard fields
 * (`country`, `dob`, …) pass through on purpose: a custom attribute by that name sets them.
 */
const PROTECTED_ATTRIBUTES = new Set([
  "external_id",
  "braze_id",
  "user_alias",
  "_update_existing_only",
  "_merge_objects",
  "push_token_import",
  "first_name",
  "last_name",
  "email",
  "phone",
  "tier",
  "time_zone",
  "email_subscribe",
  "push_subscribe",
  "subscription_groups",
  "push_tokens",
]);

export const refusedAttributeKey: KeyRefusal = (key) =>
  refusedNestedKey(key) || PROTECTED_ATTRIBUTES.has(key) || key.startsWith("masivo_");

/** In the object a custom attribute holds, these keys would be read as Braze's update operators. */
const refusedAttributeMemberKey: KeyRefusal = (key) =>
  refusedNestedKey(key) || key === "inc" || key === "add" || key === "remove";

/** Cuts text to `limit` characters, counting code points so a surrogate pair is never split. */
export function cutText(text: string, limit = BRAZE_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  let cut = "";
  let count = 0;
  for (const character of text) {
    if (count === limit) break;
    cut += character;
    count += 1;
  }
  return cut;
}

/**
 * Final names for keys given as paths (a nested property's path; one segment for a plain key),
 * in order, under the renaming rule above. Paths join with `_`.
 */
export function safeKeys(paths: readonly (readonly string[])[], refused: KeyRefusal): string[] {
  const taken = new Set<string>();
  const keys: (string | undefined)[] = paths.map((path) => {
    const key = path[0];
    const asIs = path.length === 1 && key !== undefined && !refused(key) && cutText(key) === key;
    if (asIs) taken.add(key);
    return asIs ? key : undefined;
  });
  return paths.map((path, index) => {
    const claimed = keys[index];
    if (claimed !== undefined) return claimed;
    const key = unusedKey(acceptedKey(path.join("_"), refused), refused, taken);
    taken.add(key);
    return key;
  });
}

function acceptedKey(wanted: string, refused: KeyRefusal): string {
  let key = cutText(wanted);
  while (refused(key)) key = cutText(`_${key}`);
  return key;
}

function unusedKey(key: string, refused: KeyRefusal, taken: ReadonlySet<string>): string {
  let candidate = key;
  for (let n = 2; taken.has(candidate) || refused(candidate); n += 1) {
    const suffix = `_${n}`;
    candidate = cutText(key, BRAZE_TEXT_LIMIT - suffix.length) + suffix;
  }
  return candidate;
}

/** True for `{ … }` values (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A JSON value as Braze takes it: strings cut, object keys renamed under `refused` (at every
 * depth), `undefined` and non-JSON values dropped (undefined result).
 */
export function brazeValue(value: unknown, refused: KeyRefusal = refusedNestedKey): BrazeValue | undefined {
  if (typeof value === "string") return cutText(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "boolean" || value === null) return value;
  if (Array.isArray(value)) {
    return value.map((element) => brazeValue(element)).filter((element) => element !== undefined);
  }
  if (isPlainObject(value)) return brazeObject(value, refused, refusedNestedKey);
  return undefined;
}

/** Renames an object's keys under `refused`; its members' own objects follow `memberRefused`. */
function brazeObject(
  object: Record<string, unknown>,
  refused: KeyRefusal,
  memberRefused: KeyRefusal,
): { [key: string]: BrazeValue } {
  const entries = Object.entries(object).flatMap(([key, value]) => {
    const converted = brazeValue(value, memberRefused);
    return converted === undefined ? [] : [[key, converted] as const];
  });
  const keys = safeKeys(
    entries.map(([key]) => [key]),
    refused,
  );
  // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
  return Object.fromEntries(entries.map(([, value], index) => [keys[index], value]));
}

/**
 * Custom attributes as Braze takes them: names renamed under `refusedAttributeKey`, strings cut,
 * nested objects kept as Braze nested custom attributes (with operator-like keys renamed).
 */
export function customAttributes(attributes: Record<string, unknown>): { [key: string]: BrazeValue } {
  if (takenAsIs(attributes, refusedAttributeKey, true)) return attributes;
  const entries = Object.entries(attributes).flatMap(([key, value]) => {
    const converted = brazeValue(value, refusedAttributeMemberKey);
    return converted === undefined ? [] : [[key, converted] as const];
  });
  const keys = safeKeys(
    entries.map(([key]) => [key]),
    refusedAttributeKey,
  );
  return Object.fromEntries(entries.map(([, value], index) => [keys[index], value]));
}

/**
 * Event (or purchase) properties as Braze takes them. Nested objects are flattened to
 * `parent_child` keys, since Braze segments only on flat properties. Arrays are kept as values,
 * also arrays of objects (cart lines, say): Braze accepts them for templates and Segment
 * Extensions, while flattening them by index would mint a new key per position. `null` leaves are
 * dropped (Braze lists no null property type); so are objects left empty.
 *
 * @example
 * flattenProperties({ time: "x", cart: { total: 9, items: [{ sku: "A" }] } });
 * // { _time: "x", cart_total: 9, cart_items: [{ sku: "A" }] }
 */
export function flattenProperties(properties: Record<string, unknown>): { [key: string]: BrazeValue } {
  if (takenAsIs(properties, refusedPropertyKey, false)) return properties;
  const leaves: { path: string[]; value: BrazeValue }[] = [];
  const walk = (object: Record<string, unknown>, parent: string[]) => {
    for (const [key, value] of Object.entries(object)) {
      const path = [...parent, key];
      if (isPlainObject(value)) {
        walk(value, path);
      } else {
        const converted = value === null ? undefined : brazeValue(value);
        if (converted !== undefined) leaves.push({ path, value: converted });
      }
    }
  };
  walk(properties, []);
  const keys = safeKeys(
    leaves.map((leaf) => leaf.path),
    refusedPropertyKey,
  );
  return Object.fromEntries(leaves.map((leaf, index) => [keys[index], leaf.value]));
}

/**
 * True when Braze takes the object as it is: every key acceptable and short enough, every value a
 * short string, a number, a boolean, or (with `nulls`) null. Most objects are such, and returning
 * them spares building a copy key by key; nested values and arrays take the general way.
 */
function takenAsIs(
  object: Record<string, unknown>,
  refused: KeyRefusal,
  nulls: boolean,
): object is { [key: string]: string | number | boolean | null } {
  for (const key in object) {
    if (!Object.hasOwn(object, key) || key.length > BRAZE_TEXT_LIMIT || refused(key)) return false;
    const value = object[key];
    switch (typeof value) {
      case "string":
        if (value.length > BRAZE_TEXT_LIMIT) return false;
        break;
      case "number":
        if (!Number.isFinite(value)) return false;
        break;
      case "boolean":
        break;
      default:
        if (value !== null || !nulls) return false;
    }
  }
  return true;
}
