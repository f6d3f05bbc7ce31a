import { parseBrazeTime } from "./brazeTime.ts";
import { identifierError } from "./identifiers.ts";
import * as messages from "./messages.ts";
import { type InputArray, isJsonObject, type JsonObject } from "./trackTypes.ts";

export type ValidationOptions = { blocklist: ReadonlySet<string>; allowNegativePrice: boolean };

const SUBSCRIBE_STATES = new Set(["opted_in", "subscribed", "unsubscribed"]);
const GROUP_STATES = new Set(["subscribed", "unsubscribed"]);
const RESERVED_PROPERTY_KEYS = new Set(["time", "event_name"]);
const MAX_PROPERTY_KEY_LENGTH = 255;
const MAX_PRODUCT_ID_LENGTH = 255;
/** Braze: event properties up to 100 KB, purchase properties up to 50 KB. */
export const MAX_EVENT_PROPERTIES_BYTES = 100 * 1024;
export const MAX_PURCHASE_PROPERTIES_BYTES = 50 * 1024;

/** The `errors[].type` text for a /users/track object Braze would skip, or undefined when it is valid. */
export function trackObjectError(array: InputArray, value: unknown, options: ValidationOptions): string | undefined {
  // An element that is not an object names no user at all.
  if (!isJsonObject(value)) return messages.NO_IDENTIFIER;
  const identity = identifierError(value, options.blocklist);
  if (identity !== undefined) return identity;
  switch (array) {
    case "attributes":
      return subscriptionError(value);
    case "events":
      return eventError(value);
    case "purchases":
      return purchaseError(value, options.allowNegativePrice);
  }
}

function subscriptionError(object: JsonObject): string | undefined {
  if (!validState(object.email_subscribe, SUBSCRIBE_STATES)) return messages.BAD_EMAIL_SUBSCRIPTION_STATE;
  if (!validState(object.push_subscribe, SUBSCRIBE_STATES)) return messages.BAD_PUSH_SUBSCRIPTION_STATE;
  const groups = object.subscription_groups;
  if (groups === undefined || groups === null) return undefined;
  if (!Array.isArray(groups)) return messages.BAD_SUBSCRIPTION_GROUP_ARRAY;
  for (const group of groups) {
    if (!isJsonObject(group)) return messages.BAD_SUBSCRIPTION_GROUP_HASH;
    if (typeof group.subscription_group_id !== "string" || group.subscription_group_id === "") {
      return messages.BAD_SUBSCRIPTION_GROUP_ID;
    }
    if (!validState(group.subscription_state, GROUP_STATES) || group.subscription_state === undefined) {
      return messages.BAD_SUBSCRIPTION_GROUP_STATE;
    }
  }
  return undefined;
}

/** Unset (or null, which unsets) is fine; anything else must be one of the states. */
function validState(value: unknown, states: ReadonlySet<string>): boolean {
  return value === undefined || value === null || (typeof value === "string" && states.has(value));
}

function eventError(event: JsonObject): string | undefined {
  if (typeof event.name !== "string" || event.name === "") return messages.NAME_REQUIRED;
  if (parseBrazeTime(event.time) === undefined) return messages.TIME_NOT_VALID;
  return propertiesError(event.properties, MAX_EVENT_PROPERTIES_BYTES);
}

function purchaseError(purchase: JsonObject, allowNegativePrice: boolean): string | undefined {
  const { product_id: productId, currency, price, quantity } = purchase;
  if (typeof productId !== "string" || productId === "" || productId.length > MAX_PRODUCT_ID_LENGTH) {
    return messages.PRODUCT_ID_NOT_VALID;
  }
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) return messages.CURRENCY_NOT_VALID;
  if (typeof price !== "number" || !Number.isFinite(price)) return messages.PRICE_NOT_VALID;
  if (price < 0 && !allowNegativePrice) return messages.PRICE_NOT_VALID;
  if (quantity !== undefined && !(Number.isInteger(quantity) && Number(quantity) >= 1 && Number(quantity) <= 100)) {
    return messages.QUANTITY_NOT_VALID;
  }
  if (parseBrazeTime(purchase.time) === undefined) return messages.TIME_NOT_VALID;
  return propertiesError(purchase.properties, MAX_PURCHASE_PROPERTIES_BYTES);
}

/** Keys non-empty, at most 255 characters, no leading `$`, not `time`/`event_name`; size in bytes of the JSON. */
function propertiesError(properties: unknown, maxBytes: number): string | undefined {
  if (properties === undefined || properties === null) return undefined;
  if (!isJsonObject(properties)) return messages.PROPERTIES_NOT_VALID;
  for (const key of Object.keys(properties)) {
    if (key === "" || key.length > MAX_PROPERTY_KEY_LENGTH || key.startsWith("$") || RESERVED_PROPERTY_KEYS.has(key)) {
      return messages.propertyKeyNotValid(key);
    }
  }
  if (Buffer.byteLength(JSON.stringify(properties), "utf8") > maxBytes) return messages.PROPERTIES_TOO_LARGE;
  return undefined;
}
