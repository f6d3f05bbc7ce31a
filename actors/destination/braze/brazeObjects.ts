/**
 * The objects Braze's `/users/track` takes, and our items that carry one of them back to the fact
 * it came from. See docs/braze.md; `external_id` is always our `customerId`.
 */

/** A JSON value as Braze stores it in a custom attribute or an event property. */
export type BrazeValue = string | number | boolean | null | BrazeValue[] | { [key: string]: BrazeValue };

/**
 * An attributes object: the standard fields we map from the profile, then custom attributes.
 * `null` unsets a field. Omitting `_update_existing_only` upserts (creates the user when missing).
 */
export type BrazeAttributes = {
  external_id: string;
  _update_existing_only?: boolean;
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  phone?: string | null;
  [custom: string]: BrazeValue | undefined;
};

/** One occurrence of a custom event. Braze does not deduplicate: each object is another occurrence. */
export type BrazeEvent = {
  external_id: string;
  name: string;
  /** ISO-8601 UTC. */
  time: string;
  properties: { [key: string]: BrazeValue };
  _update_existing_only?: boolean;
};

/** One purchase line: `quantity` 1–100; a negative `price` records a reversal. */
export type BrazePurchase = {
  external_id: string;
  product_id: string;
  /** ISO-4217. */
  currency: string;
  /** Unit price in major units. */
  price: number;
  quantity: number;
  /** ISO-8601 UTC. */
  time: string;
  properties: { [key: string]: BrazeValue };
  _update_existing_only?: boolean;
};

/** The `/users/track` arrays, by the names Braze gives them (also `errors[].input_array`). */
export const TRACK_ARRAYS = ["attributes", "events", "purchases"] as const;
export type TrackArray = (typeof TRACK_ARRAYS)[number];

/**
 * Where an object came from: the CHANGES fact (`factId`, stream sequence `seq`) and its number
 * among the objects that fact yielded (`part`: a fact with three purchases has parts 0, 1, 2).
 */
export type BrazeOrigin = { factId: string; seq: number; part: number };

type ItemOf<T extends TrackArray, O> = { type: T; customerId: string; object: O; origin: BrazeOrigin };

export type BrazeAttributesItem = ItemOf<"attributes", BrazeAttributes>;
export type BrazeEventItem = ItemOf<"events", BrazeEvent>;
export type BrazePurchaseItem = ItemOf<"purchases", BrazePurchase>;

/** One object for `/users/track`, in the array its `type` names. */
export type BrazeItem = BrazeAttributesItem | BrazeEventItem | BrazePurchaseItem;

/** One user to remove with `/users/delete`. */
export type BrazeDeletion = { customerId: string; origin: BrazeOrigin };
