import { FACT_KINDS } from "../model/index.ts";
import { builder } from "./builder.ts";

/** The fact kinds a webhook or an S3 export is sent (model's `FACT_KIND_TYPES`). */
export const FactKindRef = builder.enumType("FactKind", {
  description:
    "Facts a user's own stack receives: PROFILE changes, DELETED customers, EVENTs, PURCHASEs, audience MEMBERSHIP changes, TAGS, MESSAGEs",
  values: FACT_KINDS,
});
