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

const orderId = z.string().trim().min(1, "must be a non-empty string");
const sku = z.string().trim().min(1, "must be a non-empty string");

/** A purchase: the order's line items, priced per unit in `currency`. */
export const fulfillPropertiesSchema = z.looseObject({
  orderId,
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO-4217 code such as USD"),
  items: z
    .array(
      z.looseObject({
        sku,
        name: z.string().optional(),
        price: z.number().finite().nonnegative(),
        quantity: z.number().int().positive(),
      }),
    )
    .min(1, "FULFILL needs at least one item"),
});
export type FulfillProperties = z.infer<typeof fulfillPropertiesSchema>;

/** Undoes a fulfilled order: the whole of it, or some quantity of some items. */
export const reversePropertiesSchema = z.looseObject({
  orderId,
  items: z
    .array(z.object({ sku, quantity: z.number().int().positive() }))
    .min(1)
    .optional(),
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
