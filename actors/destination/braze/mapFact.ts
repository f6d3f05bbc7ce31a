import {
  type CustomerFact,
  type FactOf,
  isInternalEvent,
  type ProfileChangedData,
  type PurchaseItem,
} from "../../../model/index.ts";
import type {
  BrazeAttributes,
  BrazeAttributesItem,
  BrazeDeletion,
  BrazeEvent,
  BrazeItem,
  BrazeOrigin,
  BrazePurchase,
  BrazeValue,
} from "./brazeObjects.ts";
import { customAttributes, cutText, flattenProperties } from "./brazeValues.ts";

/** What a Braze integration syncs (its `BrazeInput` switches). */
export type BrazeSyncSettings = {
  syncEvents: boolean;
  syncPurchases: boolean;
  syncAudiences: boolean;
  syncTags: boolean;
  customersCreate: boolean;
  customersUpdate: boolean;
  customersDelete: boolean;
};

export type MappingContext = {
  settings: BrazeSyncSettings;
  /** The audience's current name; undefined when the account has no such audience. */
  audienceName: (audienceId: string) => string | undefined;
};

/** What one fact asks of Braze; `skipped` says why when it asks nothing. */
export type FactMapping = { track: BrazeItem[]; deletions: BrazeDeletion[]; skipped?: string };

/** Braze counts a purchase's `quantity` as that many purchases, up to 100 per object. */
export const MAX_PURCHASE_QUANTITY = 100;

/** The array attribute holding the customer's tags, replaced whole on each change. */
export const TAGS_ATTRIBUTE = "masivo_tags";

/** The boolean attribute saying whether the customer is in the audience of that name. */
export function audienceAttribute(audienceName: string): string {
  return cutText(`masivo_${audienceName}`);
}

/** Our profile fields and the attribute each one sets; `tier` has no Braze field, so it is custom. */
const PROFILE_ATTRIBUTES = {
  firstName: "first_name",
  lastName: "last_name",
  email: "email",
  phone: "phone",
  tier: "tier",
  timezone: "time_zone",
} as const satisfies Record<keyof ProfileChangedData["profile"], string>;

/**
 * The Braze objects for one CHANGES fact, `seq` being its stream sequence (see docs/braze.md, "What is
 * sent"). Consent is never sent and never decides here: the consent gate (`../consentGate.ts`)
 * holds back customers whose data sharing is denied. `identified` is not sent either, and
 * anonymous customers are synced too: their `customerId` stays theirs once identified, so the
 * Braze user is the same one.
 *
 * With customer creation off, every object carries `_update_existing_only: true`, so nothing but
 * customer sync could create a Braze user, and customer sync may not.
 */
export function mapFact(fact: CustomerFact, seq: number, context: MappingContext): FactMapping {
  const { settings } = context;
  switch (fact.type) {
    case "customer.profileChanged":
      return mapProfile(fact, seq, settings);
    case "customer.deleted":
      return settings.customersDelete
        ? { track: [], deletions: [{ customerId: fact.metadata.customerId, origin: originOf(fact, seq, 0) }] }
        : skipped("customer deletion is off");
    case "event.recorded":
      return mapEvent(fact, seq, settings);
    case "purchase.recorded":
      return settings.syncPurchases ? tracked(purchaseItems(fact, seq, settings)) : skipped("purchase sync is off");
    case "membership.changed":
      return mapMembership(fact, seq, context);
    case "membership.renamed":
      return mapRename(fact, seq, settings);
    case "tags.changed":
      return settings.syncTags
        ? tracked([
            attributesItem(fact, seq, {
              ...updateOnly(settings),
              [TAGS_ATTRIBUTE]: fact.data.tags.map((tag) => cutText(tag)),
            }),
          ])
        : skipped("tag sync is off");
    case "device.registered":
    case "device.unregistered":
    case "membership.unchanged":
    case "send.decided":
    case "message.recorded":
    case "journey.changed":
    case "pushTopic.changed":
      return skipped(`${fact.type} is not synced to Braze`);
    case "customer.resynced":
      // The generic sync reads it as the facts it stands for (resyncedFacts.ts) before Braze sees any.
      return skipped("a resync is read as the facts it stands for");
  }
}

/**
 * Creation sends every field (an empty profile still creates the user). An update sends only the
 * fields `changed` names, since each attribute sent costs a data point; custom attributes go whole
 * when any changed, as the fact does not say which. A consent change resends everything: the
 * runtime held back what changed while data sharing was denied, and the fact cannot tell which
 * purpose changed.
 */
function mapProfile(fact: FactOf<"customer.profileChanged">, seq: number, settings: BrazeSyncSettings): FactMapping {
  const { created, changed } = fact.data;
  if (created && !settings.customersCreate) return skipped("customer creation is off");
  if (!created && !settings.customersUpdate) return skipped("customer updates are off");
  const fields = created || changed.includes("consent") ? wholeProfile(fact.data) : changedProfile(fact.data);
  if (!created && Object.keys(fields).length === 0) {
    return skipped(`nothing Braze stores changed (${changed.join(", ")})`);
  }
  return tracked([attributesItem(fact, seq, { ...updateOnly(settings), ...fields })]);
}

function wholeProfile(data: ProfileChangedData): Record<string, BrazeValue> {
  const fields: Record<string, BrazeValue> = {};
  for (const [field, attribute] of Object.entries(PROFILE_ATTRIBUTES)) {
    const value = data.profile[field as keyof typeof PROFILE_ATTRIBUTES];
    if (value !== undefined) fields[attribute] = cutText(value);
  }
  return { ...fields, ...customAttributes(data.attributes) };
}

function changedProfile(data: ProfileChangedData): Record<string, BrazeValue> {
  const fields: Record<string, BrazeValue> = {};
  for (const field of data.changed) {
    if (!(field in PROFILE_ATTRIBUTES)) continue;
    const value = data.profile[field as keyof typeof PROFILE_ATTRIBUTES];
    fields[PROFILE_ATTRIBUTES[field as keyof typeof PROFILE_ATTRIBUTES]] = value === undefined ? null : cutText(value);
  }
  return data.changed.includes("attributes") ? { ...fields, ...customAttributes(data.attributes) } : fields;
}

function mapEvent(fact: FactOf<"event.recorded">, seq: number, settings: BrazeSyncSettings): FactMapping {
  if (!settings.syncEvents) return skipped("event sync is off");
  const { name, internal, timestamp, properties } = fact.data;
  // The name list guards too, in case a fact ever arrives without the flag set right.
  if (internal || isInternalEvent(name)) return skipped(`${name} is an internal event, never sent to Braze`);
  const { customerId } = fact.metadata;
  const object: BrazeEvent = {
    external_id: customerId,
    name: cutText(name),
    time: brazeTime(timestamp),
    properties: flattenProperties(properties),
  };
  // Set, not spread in: a spread copies a temporary object for each of a window's events.
  if (!settings.customersCreate) object._update_existing_only = true;
  return tracked([{ type: "events", customerId, object, origin: originOf(fact, seq, 0) }]);
}

/**
 * One purchase per line item and at most 100 units each; a reversal (`sign` -1) repeats the items
 * it undid with a negative unit price, so Braze's revenue nets out.
 */
function purchaseItems(fact: FactOf<"purchase.recorded">, seq: number, settings: BrazeSyncSettings): BrazeItem[] {
  const { customerId } = fact.metadata;
  const { orderId, currency, sign, items, timestamp } = fact.data;
  const time = brazeTime(timestamp);
  const objects: BrazePurchase[] = items.flatMap((item) =>
    splitQuantity(item.quantity).map((quantity) => {
      const object: BrazePurchase = {
        external_id: customerId,
        product_id: cutText(item.sku),
        currency,
        price: sign === -1 && item.price !== 0 ? -item.price : item.price,
        quantity,
        time,
        properties: purchaseProperties(orderId, item),
      };
      if (!settings.customersCreate) object._update_existing_only = true;
      return object;
    }),
  );
  return objects.map((object, part) => ({ type: "purchases", customerId, object, origin: originOf(fact, seq, part) }));
}

function purchaseProperties(orderId: string, item: PurchaseItem): Record<string, BrazeValue> {
  const properties: Record<string, BrazeValue> = { order_id: cutText(orderId) };
  if (item.name !== undefined) properties.name = cutText(item.name);
  return properties;
}

/**
 * A quantity as Braze takes it: 100 units per object at most.
 *
 * @example
 * splitQuantity(250); // [100, 100, 50]
 */
export function splitQuantity(quantity: number): number[] {
  const parts: number[] = [];
  for (let left = quantity; left > 0; left -= MAX_PURCHASE_QUANTITY) {
    parts.push(Math.min(left, MAX_PURCHASE_QUANTITY));
  }
  return parts;
}

function mapMembership(fact: FactOf<"membership.changed">, seq: number, context: MappingContext): FactMapping {
  const { settings } = context;
  if (!settings.syncAudiences) return skipped("audience sync is off");
  const { audienceId, change, audienceDeleted } = fact.data;
  const name = fact.data.audienceName ?? context.audienceName(audienceId);
  if (name === undefined) return skipped(`unknown audience ${audienceId}`);
  // A deleted audience's members have the attribute unset, never creating a user for it.
  if (audienceDeleted) {
    return tracked([attributesItem(fact, seq, { _update_existing_only: true, [audienceAttribute(name)]: null })]);
  }
  return tracked([
    attributesItem(fact, seq, { ...updateOnly(settings), [audienceAttribute(name)]: change === "ENTERED" }),
  ]);
}

/**
 * An audience's rename moves its attribute: unset under the old name, the membership under the new
 * one (`{ "masivo_<old>": null, "masivo_<new>": true }` for a member). Never creates a user: one
 * Braze does not know has neither attribute.
 */
function mapRename(fact: FactOf<"membership.renamed">, seq: number, settings: BrazeSyncSettings): FactMapping {
  if (!settings.syncAudiences) return skipped("audience sync is off");
  const { previousName, audienceName, member } = fact.data;
  return tracked([
    attributesItem(fact, seq, {
      _update_existing_only: true,
      [audienceAttribute(previousName)]: null,
      [audienceAttribute(audienceName)]: member,
    }),
  ]);
}

function attributesItem(
  fact: CustomerFact,
  seq: number,
  fields: Omit<BrazeAttributes, "external_id">,
): BrazeAttributesItem {
  const { customerId } = fact.metadata;
  return {
    type: "attributes",
    customerId,
    object: { external_id: customerId, ...fields },
    origin: originOf(fact, seq, 0),
  };
}

function updateOnly(settings: BrazeSyncSettings): { _update_existing_only?: true } {
  return settings.customersCreate ? {} : { _update_existing_only: true };
}

function originOf(fact: CustomerFact, seq: number, part: number): BrazeOrigin {
  return { factId: fact.metadata.factId, seq, part };
}

/** A time as `toISOString` writes it: UTC, with milliseconds. */
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * ISO-8601 in UTC, whatever offset the timestamp was written with. One already in that form (as
 * facts are, and zod checked it is a real date and time) is returned as it is, sparing a parse and
 * a format per object.
 */
function brazeTime(timestamp: string): string {
  return ISO_UTC_MS.test(timestamp) ? timestamp : new Date(timestamp).toISOString();
}

function tracked(track: BrazeItem[]): FactMapping {
  return { track, deletions: [] };
}

function skipped(reason: string): FactMapping {
  return { track: [], deletions: [], skipped: reason };
}
