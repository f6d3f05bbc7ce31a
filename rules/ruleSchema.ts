/**
 * The audience-rule grammar of docs/rules.md as zod schemas.
 * A rule node is recognised by its key (`all`, `any`, `not`, `attribute`, `tag`, `consent`,
 * `hasDevice`, `event`) and then checked strictly, so errors point at the node that is wrong.
 */
import { z } from "zod";
import { CONSENT_PURPOSES, type ConsentPurpose, PROFILE_FIELDS } from "../model/index.ts";
import { dispatchSchema, isPlainObject } from "./dispatchSchema.ts";

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

/** A rule tree over conditions `C`: audience rules take `Condition`, journey rules add the event's properties. */
export type RuleOf<C> = { all: RuleOf<C>[] } | { any: RuleOf<C>[] } | { not: RuleOf<C> } | C;

export type Rule = RuleOf<Condition>;

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

const LOGIC_KEYS = ["all", "any", "not"] as const;
const CONDITION_KEYS = ["attribute", "tag", "consent", "hasDevice", "event"] as const;

/** `email|phone|firstName|lastName|tier|attributes.<key>[.<key>…]`, keys without `$` or empty segments. */
export const PATH_PATTERN = new RegExp(`^(?:${PROFILE_FIELDS.join("|")}|attributes(?:\\.[^.$]+)+)$`);

const PATH_MESSAGE = `must be ${PROFILE_FIELDS.join(", ")} or attributes.<key>[.<key>…] (keys may not contain $ or be empty)`;
const POSITIVE_INT = "must be a positive integer";
export const unknownKeys = (iss: { code: string; keys?: string[] }): string | undefined =>
  iss.code === "unrecognized_keys" ? `has unknown key(s): ${(iss.keys ?? []).join(", ")}` : undefined;

export const nonEmptyString = (what: string) =>
  z.string({ error: `must be a non-empty ${what}` }).min(1, { error: `must be a non-empty ${what}` });

export const intRange = (min: number, max: number, message: string) =>
  z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });

const positiveInt = intRange(1, Number.MAX_SAFE_INTEGER, POSITIVE_INT);

export function exactlyOne(keys: readonly string[]) {
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

/**
 * A `{ KEY: PATH, op, value }` condition: `value` is checked against `op` the same way whatever
 * the key, so audience attributes and journey event properties compare alike.
 */
export function opConditionSchema<K extends string>(key: K, path: RegExp, pathMessage: string) {
  return z
    .strictObject(
      {
        [key]: z.string({ error: pathMessage }).regex(path, { error: pathMessage }),
        op: z.enum(ATTRIBUTE_OPS as [AttributeOp, ...AttributeOp[]], {
          error: `must be one of ${ATTRIBUTE_OPS.join(", ")}`,
        }),
        value: z.unknown().optional(),
      } as Record<K | "op" | "value", z.ZodType>,
      { error: unknownKeys },
    )
    .superRefine((node, ctx) => {
      const { op, value } = node as { op: AttributeOp; value: unknown };
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
    }) as unknown as z.ZodType<{ [k in K]: string } & { op: AttributeOp; value: unknown }>;
}

export const AttributeConditionSchema = opConditionSchema(
  "attribute",
  PATH_PATTERN,
  PATH_MESSAGE,
) as z.ZodType<AttributeCondition>;

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

/**
 * The schema of one audience condition node by its key, or why the node is none; `kind` is one of
 * the condition keys present in `node`.
 */
export function audienceConditionSchema(kind: string, node: Record<string, unknown>): z.ZodType<Condition> | string {
  switch (kind) {
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

/**
 * A rule grammar: `all`, `any` and `not` around conditions recognised by `conditionKeys`, each
 * checked strictly by the schema `conditionSchema` picks for it.
 */
export function ruleGrammar<C>(
  conditionKeys: readonly string[],
  conditionSchema: (kind: string, node: Record<string, unknown>) => z.ZodType<C> | string,
): z.ZodType<RuleOf<C>> {
  const keys = [...LOGIC_KEYS, ...conditionKeys];
  const shapeMessage = `must be an object with one of ${keys.join(", ")}`;
  const ruleList = () =>
    z.array(node, { error: "must be an array of rules" }).min(1, { error: "must hold at least one rule" });
  const all = z.lazy(() => z.strictObject({ all: ruleList() }, { error: unknownKeys }));
  const any = z.lazy(() => z.strictObject({ any: ruleList() }, { error: unknownKeys }));
  const not = z.lazy(() => z.strictObject({ not: node }, { error: unknownKeys }));
  const node: z.ZodType<RuleOf<C>> = dispatchSchema((value): z.ZodType<RuleOf<C>> | string => {
    if (!isPlainObject(value)) return shapeMessage;
    const kinds = keys.filter((k) => k in value);
    if (kinds.length === 0) return shapeMessage;
    if (kinds.length > 1) return `must have only one of ${kinds.join(", ")}`;
    const [kind = ""] = kinds;
    if (kind === "all") return all;
    if (kind === "any") return any;
    if (kind === "not") return not;
    return conditionSchema(kind, value);
  });
  return node;
}

/** Any audience rule node. */
export const RuleSchema: z.ZodType<Rule> = ruleGrammar(CONDITION_KEYS, audienceConditionSchema);
