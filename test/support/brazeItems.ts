import type {
  BrazeAttributes,
  BrazeAttributesItem,
  BrazeEventItem,
  BrazeItem,
  BrazePurchaseItem,
} from "../../actors/destination/braze/brazeObjects.ts";

/** The time every built item carries. */
export const ITEM_TIME = "2026-04-01T09:00:00.000Z";

let seq = 0;
/** A fresh origin: each item comes from a fact of its own. */
export const nextOrigin = () => ({ factId: `acme:${++seq}:0`, seq, part: 0 });

export function attributes(customerId: string, fields: Omit<BrazeAttributes, "external_id"> = {}): BrazeAttributesItem {
  return { type: "attributes", customerId, object: { external_id: customerId, ...fields }, origin: nextOrigin() };
}

export function event(customerId: string, name = "Opened"): BrazeEventItem {
  return {
    type: "events",
    customerId,
    object: { external_id: customerId, name, time: ITEM_TIME, properties: {} },
    origin: nextOrigin(),
  };
}

export function purchase(customerId: string): BrazePurchaseItem {
  return {
    type: "purchases",
    customerId,
    object: {
      external_id: customerId,
      product_id: "A",
      currency: "PEN",
      price: 10,
      quantity: 1,
      time: ITEM_TIME,
      properties: { order_id: "o-1" },
    },
    origin: nextOrigin(),
  };
}

/**
 * Items of `customers` customers as their facts arrive interleaved: a round of profile updates,
 * then events (three for every third customer, one for the others), then a purchase for every fourth.
 */
export function mixedLoad(customers: number): BrazeItem[] {
  const ids = Array.from({ length: customers }, (_, index) => `c${index}`);
  return [
    ...ids.map((id) => attributes(id, { plan: "pro" })),
    ...ids.flatMap((id, index) => (index % 3 === 0 ? [event(id), event(id), event(id)] : [event(id)])),
    ...ids.filter((_, index) => index % 4 === 0).map((id) => purchase(id)),
  ];
}
