import { isUserAlias } from "./identifiers.ts";
import * as messages from "./messages.ts";
import type { Profile, ProfileStore, StoredEvent, StoredPurchase } from "./profileStore.ts";
import { type BrazeCall, messageReply, type Reply } from "./reply.ts";
import type { JsonObject } from "./trackTypes.ts";

/** Braze's cap on external_ids plus user_aliases per /users/export/ids request. */
export const MAX_EXPORT_IDS = 50;

/** Attributes exported at the top level; every other attribute goes under `custom_attributes`. */
const STANDARD_FIELDS = new Set([
  "first_name",
  "last_name",
  "email",
  "phone",
  "gender",
  "dob",
  "country",
  "language",
  "time_zone",
  "home_city",
  "email_subscribe",
  "push_subscribe",
]);

/**
 * POST /users/export/ids: the profiles named by external_ids, user_aliases, braze_id,
 * email_address or phone, shaped like Braze's user export object (fields it leaves out are
 * null, false or empty), trimmed to `fields_to_export` when given.
 */
export function exportIds(call: BrazeCall): Reply {
  const { body, store } = call;
  const externalIds = body.external_ids ?? [];
  const aliases = body.user_aliases ?? [];
  const fields = body.fields_to_export;
  if (
    !Array.isArray(externalIds) ||
    !externalIds.every((id) => typeof id === "string") ||
    !Array.isArray(aliases) ||
    !aliases.every(isUserAlias) ||
    (fields !== undefined && !(Array.isArray(fields) && fields.every((field) => typeof field === "string")))
  ) {
    return messageReply(400, messages.BAD_REQUEST);
  }
  if (externalIds.length + aliases.length > MAX_EXPORT_IDS) return messageReply(400, messages.EXPORT_TOO_MANY);

  const found = new Map<string, Profile>();
  const invalid: string[] = [];
  const note = (id: string, profile: Profile | undefined) => {
    if (profile === undefined) invalid.push(id);
    else found.set(profile.brazeId, profile);
  };
  for (const id of externalIds) note(id, store.byExternalId(id));
  for (const alias of aliases) note(alias.alias_name, store.byAlias(alias));
  if (typeof body.braze_id === "string") note(body.braze_id, store.byBrazeId(body.braze_id));
  if (typeof body.email_address === "string") note(body.email_address, store.byContact("email", body.email_address)[0]);
  if (typeof body.phone === "string") note(body.phone, store.byContact("phone", body.phone)[0]);

  const users = [...found.values()].map((profile) => pick(exported(store, profile), fields));
  const reply: JsonObject = { users, message: "success" };
  if (invalid.length > 0) reply.invalid_user_ids = invalid;
  return { status: 200, body: reply };
}

function exported(store: ProfileStore, profile: Profile): JsonObject {
  const user: JsonObject = { braze_id: profile.brazeId, created_at: new Date(profile.createdAt).toISOString() };
  if (profile.externalId !== undefined) user.external_id = profile.externalId;
  if (profile.aliases.length > 0) user.user_aliases = profile.aliases.map((alias) => ({ ...alias }));
  const custom: JsonObject = {};
  for (const [name, value] of Object.entries(profile.attributes)) {
    if (STANDARD_FIELDS.has(name)) user[name] = structuredClone(value);
    else if (name !== "subscription_groups") custom[name] = structuredClone(value);
  }
  if (Object.keys(custom).length > 0) user.custom_attributes = custom;
  const events = store.events.filter((event) => event.brazeId === profile.brazeId);
  const purchases = store.purchases.filter((purchase) => purchase.brazeId === profile.brazeId);
  if (events.length > 0) user.custom_events = summarise(events, (event) => event.name);
  if (purchases.length > 0) {
    user.purchases = summarise(purchases, (purchase) => purchase.productId);
    user.total_revenue = purchases.reduce((sum, purchase) => sum + purchase.price * purchase.quantity, 0);
  }
  return user;
}

/** Braze exports history as per-name counts with first and last times. */
function summarise<T extends StoredEvent | StoredPurchase>(entries: T[], nameOf: (entry: T) => string): JsonObject[] {
  const byName = new Map<string, { first: number; last: number; count: number }>();
  for (const entry of entries) {
    const name = nameOf(entry);
    const seen = byName.get(name);
    if (seen === undefined) byName.set(name, { first: entry.time, last: entry.time, count: 1 });
    else
      byName.set(name, {
        first: Math.min(seen.first, entry.time),
        last: Math.max(seen.last, entry.time),
        count: seen.count + 1,
      });
  }
  return [...byName].map(([name, { first, last, count }]) => ({
    name,
    first: new Date(first).toISOString(),
    last: new Date(last).toISOString(),
    count,
  }));
}

function pick(user: JsonObject, fields: unknown): JsonObject {
  if (!Array.isArray(fields)) return user;
  return Object.fromEntries(Object.entries(user).filter(([name]) => fields.includes(name)));
}
