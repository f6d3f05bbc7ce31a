import type { CustomerFactType } from "./facts.ts";

/**
 * The kinds of fact a user's own stack subscribes to (webhooks, S3 exports: API.md `FactKind`),
 * each the CHANGES fact it stands for. Internal facts (devices, journeys, resync bookkeeping) are
 * not offered.
 */
export const FACT_KIND_TYPES = {
  PROFILE: "customer.profileChanged",
  DELETED: "customer.deleted",
  EVENT: "event.recorded",
  PURCHASE: "purchase.recorded",
  MEMBERSHIP: "membership.changed",
  TAGS: "tags.changed",
  MESSAGE: "message.recorded",
} as const satisfies Record<string, CustomerFactType>;

export type FactKind = keyof typeof FACT_KIND_TYPES;

// The record's keys, which `as const` fixes.
export const FACT_KINDS = Object.keys(FACT_KIND_TYPES) as FactKind[];

/** The kind a CHANGES fact type is offered as, if it is offered. */
export function factKindOf(type: CustomerFactType): FactKind | undefined {
  return FACT_KINDS.find((kind) => FACT_KIND_TYPES[kind] === type);
}
