import * as messages from "./messages.ts";
import type { Profile, ProfileStore, UserAlias } from "./profileStore.ts";
import { isJsonObject, type JsonObject } from "./trackTypes.ts";

/** How one /users/track object names its user. */
export type Identity =
  | { kind: "external_id"; externalId: string }
  | { kind: "braze_id"; brazeId: string }
  | { kind: "user_alias"; alias: UserAlias }
  | { kind: "email"; email: string }
  | { kind: "phone"; phone: string };

const PRIMARY = ["external_id", "braze_id", "user_alias"] as const;
/** Braze's limit: "'external_id' must be fewer than 988 bytes". */
const MAX_EXTERNAL_ID_BYTES = 987;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isUserAlias(value: unknown): value is UserAlias {
  return (
    isJsonObject(value) &&
    typeof value.alias_name === "string" &&
    value.alias_name !== "" &&
    typeof value.alias_label === "string" &&
    value.alias_label !== ""
  );
}

export function isEmail(value: unknown): boolean {
  return typeof value === "string" && EMAIL.test(value);
}

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

/**
 * The error text for an object whose identifiers Braze would refuse, or undefined. At most one
 * primary identifier; email or phone identify only when no primary one is given.
 */
export function identifierError(object: JsonObject, blocklist: ReadonlySet<string>): string | undefined {
  const primaries = PRIMARY.filter((field) => present(object[field]));
  if (primaries.length > 1) return messages.MULTIPLE_IDENTIFIERS;
  if (primaries.length === 0 && !present(object.email) && !present(object.phone)) return messages.NO_IDENTIFIER;
  const externalId = object.external_id;
  if (present(externalId)) {
    if (typeof externalId !== "string") return messages.BAD_EXTERNAL_ID;
    if (Buffer.byteLength(externalId, "utf8") > MAX_EXTERNAL_ID_BYTES) return messages.EXTERNAL_USER_ID_TOO_LARGE;
    if (blocklist.has(externalId.toLowerCase())) return messages.BLACKLISTED_EXTERNAL_USER_ID;
  }
  if (present(object.braze_id) && typeof object.braze_id !== "string") return messages.BAD_BRAZE_ID;
  if (present(object.user_alias) && !isUserAlias(object.user_alias)) return messages.BAD_USER_ALIAS;
  if (present(object.email) && !isEmail(object.email)) return messages.EMAIL_BAD_FORMAT;
  if (present(object.phone) && typeof object.phone !== "string") return messages.NO_IDENTIFIER;
  return undefined;
}

/** The identity of an object that passed `identifierError`. */
export function identityOf(object: JsonObject): Identity {
  if (typeof object.external_id === "string" && object.external_id !== "") {
    return { kind: "external_id", externalId: object.external_id };
  }
  if (typeof object.braze_id === "string" && object.braze_id !== "")
    return { kind: "braze_id", brazeId: object.braze_id };
  if (isUserAlias(object.user_alias)) return { kind: "user_alias", alias: object.user_alias };
  // Email beats phone when both are given.
  if (typeof object.email === "string" && object.email !== "") return { kind: "email", email: object.email };
  return { kind: "phone", phone: String(object.phone) };
}

/**
 * The profile an object addresses, created when allowed. `_update_existing_only` defaults to false
 * for external_id, email and phone (upsert) and to true for an alias; a braze_id never creates.
 * Undefined means Braze would skip the object silently.
 */
export function resolveProfile(store: ProfileStore, object: JsonObject, now: number): Profile | undefined {
  const identity = identityOf(object);
  const explicit = object._update_existing_only;
  const updateOnly = (fallback: boolean) => (typeof explicit === "boolean" ? explicit : fallback);
  switch (identity.kind) {
    case "external_id":
      return (
        store.byExternalId(identity.externalId) ??
        (updateOnly(false) ? undefined : store.create({ externalId: identity.externalId }, now))
      );
    case "braze_id":
      return store.byBrazeId(identity.brazeId);
    case "user_alias":
      return (
        store.byAlias(identity.alias) ?? (updateOnly(true) ? undefined : store.create({ alias: identity.alias }, now))
      );
    case "email":
    case "phone": {
      const field = identity.kind;
      const value = identity.kind === "email" ? identity.email : identity.phone;
      const found = store.byContact(field, value)[0];
      if (found !== undefined || updateOnly(false)) return found;
      const profile = store.create({}, now);
      profile.attributes[field] = value;
      return profile;
    }
  }
}
