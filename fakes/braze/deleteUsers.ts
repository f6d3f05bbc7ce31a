import { isEmail, isUserAlias } from "./identifiers.ts";
import * as messages from "./messages.ts";
import type { Profile, ProfileStore } from "./profileStore.ts";
import { type BrazeCall, messageReply, type Reply } from "./reply.ts";
import { isJsonObject } from "./trackTypes.ts";

/** Braze's cap on ids per /users/delete request. */
export const MAX_DELETE_IDS = 50;

const FAMILIES = ["external_ids", "user_aliases", "braze_ids", "email_addresses", "phone_numbers"] as const;
type Family = (typeof FAMILIES)[number];

/**
 * POST /users/delete: one id family per request, at most 50 ids. Answers how many ids were queued
 * (whether or not a profile held them, as Braze counts them before looking), and removes the
 * profiles at once. Their events and purchases stay in the logs, as Braze keeps event data.
 */
export function deleteUsers(call: BrazeCall): Reply {
  const families = FAMILIES.filter((family) => call.body[family] !== undefined && call.body[family] !== null);
  const [family] = families;
  if (family === undefined) return messageReply(400, messages.BAD_REQUEST);
  if (families.length > 1) return messageReply(400, messages.DELETE_TOO_MANY_IDS);
  const ids = call.body[family];
  if (!Array.isArray(ids) || !ids.every((id) => validId(family, id))) return messageReply(400, messages.BAD_REQUEST);
  if (ids.length > MAX_DELETE_IDS) {
    const text =
      family === "external_ids" || family === "user_aliases"
        ? messages.DELETE_TOO_MANY_EXTERNAL_IDS
        : messages.DELETE_TOO_MANY_IDS;
    return messageReply(400, text);
  }
  for (const id of ids) {
    const profile = findProfile(call.store, family, id);
    if (profile !== undefined) call.store.remove(profile);
  }
  return { status: 200, body: { deleted: ids.length, message: "success" } };
}

function validId(family: Family, id: unknown): boolean {
  switch (family) {
    case "user_aliases":
      return isUserAlias(id);
    case "email_addresses":
      return isJsonObject(id) && isEmail(id.email);
    default:
      return typeof id === "string" && id !== "";
  }
}

function findProfile(store: ProfileStore, family: Family, id: unknown): Profile | undefined {
  switch (family) {
    case "external_ids":
      return store.byExternalId(String(id));
    case "braze_ids":
      return store.byBrazeId(String(id));
    case "user_aliases":
      return isUserAlias(id) ? store.byAlias(id) : undefined;
    case "phone_numbers":
      return store.byContact("phone", String(id))[0];
    case "email_addresses":
      return isJsonObject(id) ? byEmailPriority(store, String(id.email), id.prioritization) : undefined;
  }
}

/** `prioritization` starting with "unidentified" prefers a profile without an external_id. */
function byEmailPriority(store: ProfileStore, email: string, prioritization: unknown): Profile | undefined {
  const candidates = store.byContact("email", email);
  if (Array.isArray(prioritization) && prioritization[0] === "unidentified") {
    return candidates.find((profile) => profile.externalId === undefined) ?? candidates[0];
  }
  return candidates[0];
}
