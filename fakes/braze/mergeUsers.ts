import { isUserAlias } from "./identifiers.ts";
import * as messages from "./messages.ts";
import type { Profile, ProfileStore } from "./profileStore.ts";
import { type BrazeCall, messageReply, type Reply } from "./reply.ts";
import { isJsonObject, type JsonObject } from "./trackTypes.ts";

/** Braze's cap on merge updates per request. */
export const MAX_MERGE_UPDATES = 50;

/**
 * POST /users/merge: every update is checked before any is applied (Braze answers 400 for the
 * whole request). Unknown users are skipped silently, as the endpoint is asynchronous.
 */
export function mergeUsers(call: BrazeCall): Reply {
  const updates = call.body.merge_updates;
  if (!Array.isArray(updates) || !updates.every(isJsonObject)) return messageReply(400, messages.MERGE_NOT_ARRAY);
  if (updates.length > MAX_MERGE_UPDATES) return messageReply(400, messages.MERGE_TOO_MANY);
  for (const update of updates) {
    const problem = updateError(update);
    if (problem !== undefined) return messageReply(400, problem);
  }
  for (const update of updates) {
    const from = find(call.store, update.identifier_to_merge);
    const to = find(call.store, update.identifier_to_keep);
    if (from !== undefined && to !== undefined && from !== to) mergeInto(call.store, from, to, call.now);
  }
  return messageReply(202, "success");
}

function updateError(update: JsonObject): string | undefined {
  const keys = Object.keys(update);
  if (keys.some((key) => key !== "identifier_to_merge" && key !== "identifier_to_keep"))
    return messages.MERGE_EXTRA_KEYS;
  const merge = identifierKind(update.identifier_to_merge);
  const keep = identifierKind(update.identifier_to_keep);
  if (merge === undefined || keep === undefined) return messages.MERGE_BAD_IDENTIFIER;
  if (merge !== keep) return messages.MERGE_MIXED_IDENTIFIERS;
  return undefined;
}

function identifierKind(identifier: unknown): "external_id" | "user_alias" | undefined {
  if (!isJsonObject(identifier)) return undefined;
  if (typeof identifier.external_id === "string") return "external_id";
  if (isUserAlias(identifier.user_alias)) return "user_alias";
  return undefined;
}

function find(store: ProfileStore, identifier: unknown): Profile | undefined {
  if (!isJsonObject(identifier)) return undefined;
  if (typeof identifier.external_id === "string") return store.byExternalId(identifier.external_id);
  return isUserAlias(identifier.user_alias) ? store.byAlias(identifier.user_alias) : undefined;
}

/**
 * Fields found only on `from` are copied to `to`, its events and purchases move over, and `from`
 * is deleted (its aliases with it).
 */
export function mergeInto(store: ProfileStore, from: Profile, to: Profile, now: number): void {
  for (const [name, value] of Object.entries(from.attributes)) {
    if (!(name in to.attributes)) to.attributes[name] = value;
  }
  store.moveHistory(from, to);
  store.remove(from);
  to.updatedAt = now;
}
