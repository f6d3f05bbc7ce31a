import { type CustomerFact, type CustomerFactType, FACT_KIND_TYPES } from "../../../model/index.ts";
import type { WebhookSettings } from "../../../store/index.ts";
import type { WindowFact } from "../windowReading.ts";

/** Every fact a webhook may be sent, whatever kinds an endpoint picked. */
export const WEBHOOK_FACTS: readonly CustomerFactType[] = Object.values(FACT_KIND_TYPES);

/** One delivery: a fact, as the bytes that are signed and sent, and whose it is. */
export type WebhookCall = {
  customers: [string];
  /** The `webhook-id`: the fact's id, the same on every try and every replay. */
  messageId: string;
  /** The Standard Webhooks `type`, for the sync log. */
  type: string;
  body: string;
};

/** The Standard Webhooks `type` of each fact: the product's fact names, as receivers read them. */
function typeOf(fact: CustomerFact): string {
  switch (fact.type) {
    case "customer.profileChanged":
      return "profile.updated";
    case "event.recorded":
      return "event.tracked";
    case "purchase.recorded":
      return "purchase.created";
    case "membership.changed":
      return fact.data.change === "ENTERED" ? "membership.entered" : "membership.exited";
    case "tags.changed":
      return "tags.updated";
    default:
      return fact.type;
  }
}

/**
 * The calls of a window for one endpoint: one per fact of the kinds it picked (membership facts
 * only of its audiences, when it named some), in stream order. Body `{type, timestamp, data}`,
 * `data` being the fact's own with the customer's id, and `resyncId` for a fact of a full resync,
 * so a receiver tells the state it is sent from what changed.
 */
export function webhookCalls(facts: readonly WindowFact[], settings: WebhookSettings): WebhookCall[] {
  const wanted = new Set<CustomerFactType>(settings.kinds.map((kind) => FACT_KIND_TYPES[kind]));
  const audiences = settings.audienceIds === undefined ? undefined : new Set(settings.audienceIds);
  return facts
    .filter(({ fact }) => wanted.has(fact.type))
    .filter(({ fact }) => fact.type !== "membership.changed" || !audiences || audiences.has(fact.data.audienceId))
    .map(({ fact, resyncId }) => {
      const type = typeOf(fact);
      const { customerId, factId, at } = fact.metadata;
      const message = { type, timestamp: at, data: { customerId, ...fact.data } };
      return {
        customers: [customerId],
        messageId: factId,
        type,
        body: JSON.stringify(resyncId === undefined ? message : { ...message, resyncId }),
      };
    });
}
