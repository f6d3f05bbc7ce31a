import { z } from "zod";
import type { CustomerFactType } from "./facts.ts";

/** What an ADMIN picks for a webhook or an export (GraphQL `FactKind`): groups of CHANGES facts. */
export const FACT_KINDS = ["PROFILE", "DELETED", "EVENT", "PURCHASE", "MEMBERSHIP", "TAGS", "MESSAGE"] as const;
export const factKindSchema = z.enum(FACT_KINDS);
export type FactKind = z.infer<typeof factKindSchema>;

/** The CHANGES facts each kind stands for. */
export const FACTS_OF_KIND = {
  PROFILE: ["customer.profileChanged"],
  DELETED: ["customer.deleted"],
  EVENT: ["event.recorded"],
  PURCHASE: ["purchase.recorded"],
  MEMBERSHIP: ["membership.changed"],
  TAGS: ["tags.changed"],
  MESSAGE: ["message.recorded"],
} as const satisfies Record<FactKind, readonly CustomerFactType[]>;
