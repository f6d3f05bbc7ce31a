/**
 * The audience-rule grammar of docs/rules.md as zod schemas.
 * A rule node is recognised by its key (`all`, `any`, `not`, `attribute`, `tag`, `consent`,
 * `hasDevice`, `event`) and then checked strictly, so errors point at the node that is wrong.
 */
import { z } from "zod";
import { CONSENT_PURPOSES, type ConsentPurpose, PROFILE_FIELDS } from "../model/index.ts";

export type AttributeOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "nin" | "exists" | "contains";
export type TimeWindow = { days: number } | { hours: number } | { minutes: number };
export type EventCount = { gte: number } | { lte: number } | { eq: number };

export type AttributeCondition = { attribute: string; op: AttributeOp; value: unknown };
export type TagCondition = { tag: string };
export type ConsentCondition = { consent: ConsentPurpose };
export type DeviceCondition = { hasDevice: boolean };
export type EventWithinCondition = { event: string; within: TimeWindow; count?: EventCount };
export type EventNotWithinCondition = { event: string; notWithin: TimeWindow };

export type Condition =
  | AttributeCondition
  | TagCondition
  | ConsentCondition
  | DeviceCondition
  | EventWithinCondition
  | EventNotWithinCondition;

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

export const ATTRIBUTE_OPS: readonly AttributeOp[] = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "nin",
  "exists",
  "contains",
];

/** The stored `recent` list of an event stat holds at most this many timestamps. */
export const RECENT_LIMIT = 100;

const RULE_KEYS = ["all", "any", "not", "attribute", "tag", "consent", "hasDevice", "event"] as const;

/** `email|phone|firstName|lastName|tier|attributes.<key>[.<key>…]`, keys without `$` or empty segments. */
export const PATH_PATTERN = new RegExp(`^(?:${PROFILE_FIELDS.join("|")}|attributes(?:\\.[^.$]+)+)$`);

const PATH_MESSAGE = `must be ${PROFILE_FIELDS.join(", ")} or attributes.<key>[.<key>…] (keys may not contain $ or be empty)`;
const POSITIVE_INT = "must be a positive integer";
const unknownKeys = (iss: { code: string; keys?: string[] }): string | undefined =>
  iss.code === "unrecognized_keys" ? `has unknown key(s): ${(iss.keys ?? []).join(", ")}` : undefined;

const nonEmptyString = (what: string) =>
  z.string({ error: `must be a non-empty ${what}` }).min(1, { error: `must be a non-empty ${what}` });

const intRange = (min: number, max: number, message: string) =>
  z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });

const positiveInt = intRange(1, Number.MAX_SAFE_INTEGER, POSITIVE_INT);

function exactlyOne(keys: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1) ctx.addIssue({ code: "custom", message: `must have exactly one of ${keys.join(", ")}` });
  };
}

export const TimeWindowSchema = z
  .strictObject(
    { days: positiveInt.optional(), hours: positiveInt.optional(), minutes: positiveInt.optional() },
    { error: (iss) => unknownKeys(iss) ?? "must be an object like { days: N }" },
  )
  .superRefine(exactlyOne(["days", "hours", "minutes"])) as unknown as z.ZodType<TimeWindow>;

const GTE_MESSAGE = `must be an integer from 1 to ${RECENT_LIMIT} (only the ${RECENT_LIMIT} most recent events are kept)`;
const LTE_MESSAGE = `must be an integer from 0 to ${RECENT_LIMIT - 1} (only the ${RECENT_LIMIT} most recent events are kept)`;

export const EventCountSchema = z
  .strictObject(
    {
      gte: intRange(1, RECENT_LIMIT, GTE_MESSAGE).optional(),
      lte: intRange(0, RECENT_LIMIT - 1, LTE_MESSAGE).optional(),
      eq: intRange(1, RECENT_LIMIT, GTE_MESSAGE).optional(),
    },
    { error: (iss) => unknownKeys(iss) ?? "must be an object like { gte: k }" },
  )
  .superRefine(exactlyOne(["gte", "lte", "eq"])) as unknown as z.ZodType<EventCount>;

const isJsonValue = (v: unknown): boolean => {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonValue);
  if (typeof v === "object") return Object.values(v).every(isJsonValue);
  return false;
};

export const AttributeConditionSchema = z
  .strictObject(
    {
      attribute: z.string({ error: PATH_MESSAGE }).regex(PATH_PATTERN, { error: PATH_MESSAGE }),
      op: z.enum(ATTRIBUTE_OPS as [AttributeOp, ...AttributeOp[]], {
        error: `must be one of ${ATTRIBUTE_OPS.join(", ")}`,
      }),
      value: z.unknown().optional(),
    },
    { error: unknownKeys },
  )
  .superRefine((node, ctx) => {
    const { op, value } = node;
    const fail = (message: string) => ctx.addIssue({ code: "custom", path: ["value"], message });
    if (value === undefined) return fail("is required");
    if (!isJsonValue(value)) return fail("must be a JSON value");
    switch (op) {
      case "gt":
      case "gte":
      case "lt":
      case "lte":
        if (typeof value !== "number" && typeof value !== "string") fail(`must be a number or a string for ${op}`);
        break;
      case "in":
      case "nin":
        if (!Array.isArray(value)) fail(`must be an array for ${op}`);
        break;
      case "exists":
        if (typeof value !== "boolean") fail("must be true or false for exists");
        break;
      case "contains":
        if (typeof value === "object") fail("must be a string, number or boolean for contains");
        break;
    }
  }) as unknown as z.ZodType<AttributeCondition>;

export const TagConditionSchema = z.strictObject({ tag: nonEmptyString("string") }, { error: unknownKeys });
export const ConsentConditionSchema = z.strictObject(
  {
    consent: z.enum(CONSENT_PURPOSES, {
      error: `must be one of ${CONSENT_PURPOSES.join(", ")}`,
    }),
  },
  { error: unknownKeys },
);
export const DeviceConditionSchema = z.strictObject(
  { hasDevice: z.boolean({ error: "must be true or false" }) },
  { error: unknownKeys },
);
export const EventWithinConditionSchema = z.strictObject(
  { event: nonEmptyString("event name"), within: TimeWindowSchema, count: EventCountSchema.optional() },
  { error: unknownKeys },
) as unknown as z.ZodType<EventWithinCondition>;
export const EventNotWithinConditionSchema = z.strictObject(
  { event: nonEmptyString("event name"), notWithin: TimeWindowSchema },
  { error: unknownKeys },
) as unknown as z.ZodType<EventNotWithinCondition>;

const ruleList = () =>
  z.array(RuleSchema, { error: "must be an array of rules" }).min(1, { error: "must hold at least one rule" });

export const AllSchema: z.ZodType<{ all: Rule[] }> = z.lazy(() =>
  z.strictObject({ all: ruleList() }, { error: unknownKeys }),
);
export const AnySchema: z.ZodType<{ any: Rule[] }> = z.lazy(() =>
  z.strictObject({ any: ruleList() }, { error: unknownKeys }),
);
export const NotSchema: z.ZodType<{ not: Rule }> = z.lazy(() =>
  z.strictObject({ not: RuleSchema }, { error: unknownKeys }),
);

function schemaFor(node: Record<string, unknown>): z.ZodType<Rule> | string {
  const kinds = RULE_KEYS.filter((k) => k in node);
  if (kinds.length === 0) return `must be an object with one of ${RULE_KEYS.join(", ")}`;
  if (kinds.length > 1) return `must have only one of ${kinds.join(", ")}`;
  switch (kinds[0]) {
    case "all":
      return AllSchema;
    case "any":
      return AnySchema;
    case "not":
      return NotSchema;
    case "attribute":
      return AttributeConditionSchema;
    case "tag":
      return TagConditionSchema;
    case "consent":
      return ConsentConditionSchema;
    case "hasDevice":
      return DeviceConditionSchema;
    default:
      if ("within" in node) return EventWithinConditionSchema;
      if ("notWithin" in node) return EventNotWithinConditionSchema;
      return "must have within or notWithin";
  }
}

/** Any rule node: dispatches on the node's key, then checks that node's schema strictly. */
export const RuleSchema: z.ZodType<Rule> = z.unknown().transform((value, ctx): Rule => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: `must be an object with one of ${RULE_KEYS.join(", ")}` });
    return z.NEVER;
  }
  const schema = schemaFor(value as Record<string, unknown>);
  if (typeof schema === "string") {
    ctx.addIssue({ code: "custom", message: schema });
    return z.NEVER;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  }
  return z.NEVER;
}) as unknown as z.ZodType<Rule>;
