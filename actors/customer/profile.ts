import {
  type ConsentPatch,
  type ConsentState,
  type CustomerFactDraft,
  type CustomerState,
  type IngestCommand,
  type JsonObject,
  PROFILE_FIELDS,
  type Profile,
  type ProfilePart,
} from "../../model/index.ts";

export type UpsertData = Extract<IngestCommand, { type: "customer.upsert" }>["data"];

/**
 * Applies an upsert: named profile fields are set, attributes deep-merged (`null` removes a key),
 * `tags` replaces the set, consent changes only the purposes it names.
 */
export function upsertProfile(state: CustomerState, data: UpsertData): CustomerState {
  const profile: Profile = { ...state.profile };
  for (const key of PROFILE_FIELDS) {
    const value = data[key];
    if (value !== undefined) profile[key] = value;
  }
  return {
    ...state,
    profile,
    attributes: data.attributes ? mergeJson(state.attributes, data.attributes) : state.attributes,
    tags: data.tags ? normaliseTags(data.tags) : state.tags,
    consent: data.consent ? patchConsent(state.consent, data.consent) : state.consent,
    identified: data.identified ?? state.identified,
  };
}

/** Sets the consent purposes the patch names; the others keep their value. */
export function patchConsent(consent: ConsentState, patch: ConsentPatch): ConsentState {
  const next = { ...consent };
  for (const [purpose, value] of Object.entries(patch) as [keyof ConsentState, ConsentState[keyof ConsentState]][]) {
    if (value !== undefined) next[purpose] = value;
  }
  return next;
}

/** Sorted (by code unit, so the order is the same everywhere) and unique. */
export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}

/** The top-level profile fields that differ between two states. */
export function changedProfileFields(before: CustomerState, after: CustomerState): ProfilePart[] {
  const changed: ProfilePart[] = PROFILE_FIELDS.filter((key) => before.profile[key] !== after.profile[key]);
  if (!jsonEqual(before.attributes, after.attributes)) changed.push("attributes");
  if (!jsonEqual(before.consent, after.consent)) changed.push("consent");
  if (before.identified !== after.identified) changed.push("identified");
  return changed;
}

/**
 * The `customer.profileChanged` and `tags.changed` facts that describe going from `before` to
 * `after`; none when nothing changed, except that a newly created customer always gets a profile fact.
 */
export function profileFacts(before: CustomerState, after: CustomerState, created: boolean): CustomerFactDraft[] {
  const facts: CustomerFactDraft[] = [];
  const changed = changedProfileFields(before, after);
  if (created || changed.length > 0) {
    facts.push({
      type: "customer.profileChanged",
      data: {
        profile: { ...after.profile },
        attributes: structuredClone(after.attributes),
        consent: { ...after.consent },
        identified: after.identified,
        created,
        changed,
      },
    });
  }
  if (!jsonEqual(before.tags, after.tags)) facts.push({ type: "tags.changed", data: { tags: [...after.tags] } });
  return facts;
}

/** True for `{ … }` values (not arrays, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges `patch` into `target` without changing either: nested objects merge, arrays and
 * scalars replace, and a `null` value removes the key (also inside a newly added object).
 *
 * @example
 * mergeJson({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: null, e: 3 }, d: [2] });
 * // { a: { b: 1, e: 3 }, d: [2] }
 */
export function mergeJson(target: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    // JSON.parse makes "__proto__" an own key; assigning it would replace the prototype instead.
    if (key === "__proto__") continue;
    if (value === null) {
      delete merged[key];
    } else if (isJsonObject(value)) {
      const current = merged[key];
      merged[key] = mergeJson(isJsonObject(current) ? current : {}, value);
    } else if (value !== undefined) {
      merged[key] = structuredClone(value);
    }
  }
  return merged;
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === otherKeys.length && keys.every((key) => key in b && jsonEqual(a[key], b[key]));
  }
  return false;
}
