import { isUserAlias } from "./identifiers.ts";
import { mergeInto } from "./mergeUsers.ts";
import * as messages from "./messages.ts";
import { type BrazeCall, messageReply, type Reply } from "./reply.ts";
import { isJsonObject } from "./trackTypes.ts";

/** Braze's cap on aliases per /users/identify request. */
export const MAX_IDENTIFY_ALIASES = 50;

/**
 * POST /users/identify: gives an alias-only profile an external_id. When the external_id already
 * has a profile, the alias joins it and the alias-only profile goes: with `merge_behavior: "merge"`
 * its fields and history move over first; by default (`"none"`) they are orphaned, as Braze does.
 * An alias nobody holds is added to the external_id's profile, when there is one.
 */
export function identifyUsers(call: BrazeCall): Reply {
  const entries = call.body.aliases_to_identify;
  if (!Array.isArray(entries) || !entries.every(isJsonObject)) return messageReply(400, messages.IDENTIFY_NOT_ARRAY);
  if (entries.length > MAX_IDENTIFY_ALIASES) return messageReply(400, messages.IDENTIFY_TOO_MANY);
  if (!entries.every((entry) => typeof entry.external_id === "string" && isUserAlias(entry.user_alias))) {
    return messageReply(400, messages.BAD_REQUEST);
  }
  const merge = call.body.merge_behavior === "merge";
  const { store, now } = call;
  for (const entry of entries) {
    const externalId = String(entry.external_id);
    if (!isUserAlias(entry.user_alias)) continue;
    const aliased = store.byAlias(entry.user_alias);
    const identified = store.byExternalId(externalId);
    if (aliased !== undefined && identified === undefined) {
      if (aliased.externalId === undefined) store.setExternalId(aliased, externalId);
    } else if (identified !== undefined && aliased !== identified) {
      if (aliased !== undefined) {
        if (merge) mergeInto(store, aliased, identified, now);
        else store.remove(aliased);
      }
      store.addAlias(identified, entry.user_alias);
    }
  }
  return { status: 201, body: { aliases_processed: entries.length, message: "success" } };
}
