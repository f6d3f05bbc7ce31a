/**
 * The journey rule: the audience rule language plus conditions on the triggering event's
 * properties, anywhere inside `all`, `any` and `not` (docs/journeys.md).
 */
import type { z } from "zod";
import { compileRule, type Filter, fieldFilter } from "./compileRule.ts";
import { dispatchSchema } from "./dispatchSchema.ts";
import { matchesFilter } from "./evaluateRule.ts";
import { ruleBoundsProblem } from "./ruleBounds.ts";
import {
  type AttributeOp,
  audienceConditionSchema,
  type Condition,
  opConditionSchema,
  type RuleOf,
  ruleGrammar,
} from "./ruleSchema.ts";

/** A condition on the triggering event: `path` is dot-separated keys into its `properties`. */
export type PropertyCondition = { property: string; op: AttributeOp; value: unknown };
export type JourneyCondition = Condition | PropertyCondition;
export type JourneyRule = RuleOf<JourneyCondition>;

/** What a journey rule reads: the customer document as audiences read it, and the triggering event if any. */
export type JourneyRuleInput = {
  customer: object;
  event?: { name: string; properties: Record<string, unknown> };
};

/** `<key>[.<key>…]`, keys without `$` or `.` and not empty. */
export const PROPERTY_PATH_PATTERN = /^[^.$]+(?:\.[^.$]+)*$/;
const PROPERTY_PATH_MESSAGE = "must be <key>[.<key>…] (keys may not contain $ or be empty)";

const PropertyConditionSchema = opConditionSchema(
  "property",
  PROPERTY_PATH_PATTERN,
  PROPERTY_PATH_MESSAGE,
) as z.ZodType<PropertyCondition>;

const CONDITION_KEYS = ["attribute", "tag", "consent", "hasDevice", "event", "property"] as const;

const journeyRuleNode = ruleGrammar<JourneyCondition>(CONDITION_KEYS, (kind, node) =>
  kind === "property" ? PropertyConditionSchema : audienceConditionSchema(kind, node),
);

/** A journey rule within the audience rules' bounds (RULE_BOUNDS), checked before its grammar. */
export const JourneyRuleSchema: z.ZodType<JourneyRule> = dispatchSchema(
  (value) => ruleBoundsProblem(value) ?? journeyRuleNode,
);

/** Where the triggering event sits in the document a journey rule's filter reads. */
const EVENT_FIELD = "event";

/**
 * Compiles a journey rule into one filter over `{ ...customer, event }`: customer conditions are
 * the audience filters unchanged (none reads a top-level `event`), a property condition reads
 * `event.properties.<path>` and requires the event (an object, `null` when there is none), so
 * `ne`, `nin` and `exists: false` do not match without one.
 */
function compileJourneyRule(rule: JourneyRule, now: Date): Filter {
  if ("all" in rule) return { $and: rule.all.map((r) => compileJourneyRule(r, now)) };
  if ("any" in rule) return { $or: rule.any.map((r) => compileJourneyRule(r, now)) };
  if ("not" in rule) return { $nor: [compileJourneyRule(rule.not, now)] };
  if ("property" in rule) {
    const field = `${EVENT_FIELD}.properties.${rule.property}`;
    return { $and: [{ [EVENT_FIELD]: { $type: "object" } }, fieldFilter(field, rule.op, rule.value)] };
  }
  return compileRule(rule, now);
}

/** Whether the customer (and the triggering event, when there is one) matches a journey rule at `now`. */
export function matchesJourneyRule(rule: JourneyRule, input: JourneyRuleInput, now: Date): boolean {
  const document = { ...input.customer, [EVENT_FIELD]: input.event ?? null };
  return matchesFilter(compileJourneyRule(rule, now), document);
}
