import { Cron } from "croner";
import { z } from "zod";
import { AUDIENCE_NAME_MAX_LENGTH, type AudienceInput, audienceNameSchema } from "../model/index.ts";
import { ruleBoundsProblem, validateRule } from "../rules/index.ts";
import { type AudienceDocument, DEFAULT_SWEEP_SCHEDULE } from "../store/index.ts";
import { builder } from "./builder.ts";
import { badInput, type InputIssue, parseArgument } from "./errors.ts";

export const AudienceKindRef = builder.enumType("AudienceKind", {
  description: "RULES: members follow a rule; STATIC: members are imported",
  values: ["RULES", "STATIC"] as const,
});

export const AudienceInputRef = builder.inputType("AudienceInput", {
  description: "An audience's definition",
  fields: (t) => ({
    name: t.string({
      required: true,
      description: `1–${AUDIENCE_NAME_MAX_LENGTH} printable characters (spaces inside included), not starting with $, not tags, unique in the account ignoring case; Braze gets the attribute masivo_<name>`,
    }),
    description: t.string(),
    kind: t.field({ type: AudienceKindRef, description: "Default RULES; an audience's kind cannot change" }),
    rules: t.field({
      type: "JSON",
      description:
        "Required for RULES, absent for STATIC; at most 16 KiB encoded, 100 conditions, 10 levels deep; grammar in docs/rules.md",
    }),
    sweepSchedule: t.string({
      description:
        'Cron expression (UTC) of the sweep that removes members a RULES audience no longer matches; default "0 * * * *" (hourly)',
    }),
    pushTopic: t.boolean({
      description:
        "Members with push consent have their device tokens in the FCM topic masivo.<account>.<audienceId>; default false. Turning it on or off for an audience with members starts a PUSH_TOPIC run",
    }),
  }),
});

/**
 * Why `expression` is not a cron expression, or undefined when it is one. Croner also takes a
 * seconds (and a year) field; sweeps are scheduled by the minute, so only five fields or a
 * nickname such as `@daily` are accepted.
 */
function cronProblem(expression: string): string | undefined {
  const fields = expression.split(/\s+/).length;
  if (!expression.startsWith("@") && fields > 5) {
    return `five fields (minute hour day month weekday) are expected, not ${fields}`;
  }
  try {
    new Cron(expression, { paused: true });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

const audienceInputSchema = z.object({
  name: audienceNameSchema,
  description: optional(z.string().max(1000, "must be at most 1000 characters")),
  kind: optional(z.enum(["RULES", "STATIC"])),
  rules: optional(z.unknown()),
  pushTopic: optional(z.boolean()),
  sweepSchedule: optional(
    z
      .string()
      .trim()
      .superRefine((expression, context) => {
        const problem = cronProblem(expression);
        if (problem) context.addIssue({ code: "custom", message: `must be a cron expression (${problem})` });
      }),
  ),
});

/** `all[1].within.days must be a positive integer` → `input.rules.all[1].within.days`, and why. */
function ruleIssue(error: string): InputIssue {
  const space = error.indexOf(" ");
  const path = space === -1 ? "rule" : error.slice(0, space);
  const message = space === -1 ? "is invalid" : error.slice(space + 1);
  return { field: path === "rule" ? "input.rules" : `input.rules.${path}`, message };
}

/**
 * Validates `createAudience`/`updateAudience` input and fills its defaults. On update, `existing`
 * supplies what the input leaves out (description, rules, schedule, push topic), and its kind cannot change.
 * A valid rule is passed on as the rule grammar parsed it.
 */
export function parseAudienceInput(input: unknown, existing?: AudienceDocument): AudienceInput {
  const parsed = parseArgument(audienceInputSchema, input, "input");
  const kind = parsed.kind ?? existing?.kind ?? "RULES";
  const description = parsed.description ?? existing?.description;
  const pushTopic = parsed.pushTopic ?? existing?.pushTopic ?? false;
  const issues: InputIssue[] = [];
  if (existing && existing.kind !== kind) {
    issues.push({ field: "input.kind", message: `cannot change: the audience is ${existing.kind}` });
  }

  if (kind === "STATIC") {
    for (const field of ["rules", "sweepSchedule"] as const) {
      if (parsed[field] !== undefined) {
        issues.push({ field: `input.${field}`, message: "must be absent for a STATIC audience" });
      }
    }
    if (issues.length > 0) throw badInput(issues);
    return { name: parsed.name, description, kind, pushTopic };
  }

  // A rule kept from before the bounds existed is not refused here: its audience is marked instead.
  const beyond = parsed.rules === undefined ? undefined : ruleBoundsProblem(parsed.rules);
  if (beyond) throw badInput([...issues, { field: "input.rules", message: beyond }]);
  const rules = parsed.rules ?? existing?.rules;
  const checked = rules === undefined ? undefined : validateRule(rules);
  if (!checked) issues.push({ field: "input.rules", message: "is required for a RULES audience" });
  else if (!checked.ok) issues.push(...checked.errors.map(ruleIssue));
  if (!checked?.ok || issues.length > 0) throw badInput(issues);
  return {
    name: parsed.name,
    description,
    kind,
    pushTopic,
    rules: checked.rule,
    sweepSchedule: parsed.sweepSchedule ?? existing?.sweepSchedule ?? DEFAULT_SWEEP_SCHEDULE,
  };
}
