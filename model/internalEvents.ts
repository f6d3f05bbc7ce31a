import { z } from "zod";

/** Events the platform generates; they shape state and are never forwarded to Braze. */
export const INTERNAL_EVENT_NAMES = [
  "REGISTRATION",
  "FULFILL",
  "REVERSE",
  "EXPIRE",
  "CANCEL",
  "REDEEM_COUPON",
  "TIER_ADJUSTMENT",
] as const;
export type InternalEventName = (typeof INTERNAL_EVENT_NAMES)[number];

export function isInternalEvent(name: string): name is InternalEventName {
  return (INTERNAL_EVENT_NAMES as readonly string[]).includes(name);
}

/** The longest `orderId`, `sku` or item `name`: they are kept in the customer's orders and sent to Braze (255 there too). */
export const ORDER_TEXT_MAX_LENGTH = 255;
/** Line items one FULFILL or REVERSE may carry: the customer remembers them with the order. */
export const ORDER_MAX_ITEMS = 100;
/** Units of one line item; Braze takes 100 a purchase, so this is at most 100 purchases an item. */
export const ITEM_MAX_QUANTITY = 10_000;

const orderText = z.string().trim().max(ORDER_TEXT_MAX_LENGTH, `must be at most ${ORDER_TEXT_MAX_LENGTH} characters`);
const orderId = orderText.min(1, "must be a non-empty string");
const sku = orderText.min(1, "must be a non-empty string");
const quantity = z
  .number()
  .int()
  .positive()
  .max(ITEM_MAX_QUANTITY, `must be at most ${ITEM_MAX_QUANTITY.toLocaleString("en-US")}`);
const items = <T extends z.ZodType>(item: T) =>
  z.array(item).max(ORDER_MAX_ITEMS, `must hold at most ${ORDER_MAX_ITEMS} items`);

/** A purchase: the order's line items, priced per unit in `currency`. */
export const fulfillPropertiesSchema = z.looseObject({
  orderId,
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO-4217 code such as USD"),
  items: items(
    z.looseObject({
      sku,
      name: z.string().max(ORDER_TEXT_MAX_LENGTH, `must be at most ${ORDER_TEXT_MAX_LENGTH} characters`).optional(),
      price: z.number().finite().nonnegative(),
      quantity,
    }),
  ).min(1, "FULFILL needs at least one item"),
});
export type FulfillProperties = z.infer<typeof fulfillPropertiesSchema>;

/** Undoes a fulfilled order: the whole of it, or some quantity of some items. */
export const reversePropertiesSchema = z.looseObject({
  orderId,
  items: items(z.object({ sku, quantity })).min(1).optional(),
});
export type ReverseProperties = z.infer<typeof reversePropertiesSchema>;

export const cancelPropertiesSchema = z.looseObject({ orderId });
export type CancelProperties = z.infer<typeof cancelPropertiesSchema>;

/** Property schemas for the internal events whose properties have a required shape. */
export const internalEventPropertySchemas: Partial<Record<InternalEventName, z.ZodType>> = {
  FULFILL: fulfillPropertiesSchema,
  REVERSE: reversePropertiesSchema,
  CANCEL: cancelPropertiesSchema,
};
