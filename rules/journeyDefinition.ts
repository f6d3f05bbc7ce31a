/**
 * A journey's definition (API.md "Journeys", docs/journeys.md) as types and one zod schema: its
 * shape, bounds and the ties between entry and steps. How steps link up (every link names a step,
 * every step is reached, no loop without a wait) is checked by parseJourneyDefinition.
 */
import { z } from "zod";
import { MESSAGE_CATEGORIES, type MessageCategory, trackEventDataSchema } from "../model/index.ts";
import { dispatchSchema, isPlainObject } from "./dispatchSchema.ts";
import { type JourneyRule, JourneyRuleSchema, PROPERTY_PATH_PATTERN } from "./journeyRule.ts";
import { encodedBytes } from "./ruleBounds.ts";
import { exactlyOne, intRange, nonEmptyString, unknownKeys } from "./ruleSchema.ts";

export type JourneyEntry =
  /** `key`: a property path of the event; one instance per customer and key value. */
  { type: "event"; event: string; filter?: JourneyRule; key?: string } | { type: "audience"; audienceId: string };
export type SendStep = { type: "send"; templateId: string; category?: MessageCategory; next?: string };
/** `untilDate`: an ISO-8601 date-time with offset, or `entry.<property path>` / `attributes.<key path>`. */
export type DelayStep = { type: "delay"; next: string } & (
  | { seconds: number }
  | { untilLocalTime: { hour: number; minute?: number } }
  | { untilDate: string | { ref: string } }
);
export type WaitForStep = {
  type: "waitFor";
  event: string;
  match?: JourneyRule;
  sameKey?: boolean;
  timeoutSeconds: number;
  next: string;
  timeoutNext: string;
};
export type BranchStep = { type: "branch"; cases: { when: JourneyRule; next: string }[]; else: string };
export type ExitStep = { type: "exit" };
export type JourneyStep = SendStep | DelayStep | WaitForStep | BranchStep | ExitStep;
export type JourneyReentry =
  | { mode: "never" }
  | { mode: "afterExit"; cooldownSeconds?: number }
  | { mode: "concurrent"; maxInstances: number };
export type JourneyDefinition = {
  entry: JourneyEntry;
  start: string;
  steps: Record<string, JourneyStep>;
  exit?: { events?: { event: string; match?: JourneyRule }[]; audienceExit?: string[] };
  /** Absent means `{ mode: "never" }`. */
  reentry?: JourneyReentry;
};

/** The most a definition may hold and its ranges (docs/journeys.md); each rule in it also keeps RULE_BOUNDS. */
export const JOURNEY_BOUNDS = {
  /** Bytes of its JSON text, as UTF-8. */
  bytes: 64 * 1024,
  steps: 100,
  branchCases: 20,
  stepId: /^[A-Za-z0-9_-]{1,64}$/,
  /** The longest delay, wait and re-entry cooldown: 365 days. */
  seconds: 31_536_000,
  maxInstances: 100,
} as const;

export const STEP_TYPES = ["send", "delay", "waitFor", "branch", "exit"] as const;
const REENTRY_MODES = ["never", "afterExit", "concurrent"] as const;
const ENTRY_TYPES = ["event", "audience"] as const;

const STEP_ID_MESSAGE = "must be a step id: 1 to 64 letters, digits, _ or -";
const SECONDS_MESSAGE = `must be an integer from 1 to ${JOURNEY_BOUNDS.seconds} (365 days)`;
const KEY_MESSAGE = "must be a property path <key>[.<key>…] (keys may not contain $ or be empty)";
const REF_MESSAGE = "must be entry.<key>[.<key>…] or attributes.<key>[.<key>…] (keys may not contain $ or be empty)";
const UNTIL_DATE_MESSAGE = 'must be an ISO-8601 date-time with offset or { "ref": … }';
const EVENT_NAME_MESSAGE = "must be a non-empty event name";

/** Event names as commands bound them, so a journey waits only for events that can be tracked. */
const eventName = z
  .string({ error: EVENT_NAME_MESSAGE })
  .refine((name) => trackEventDataSchema.shape.name.safeParse(name).success, { error: EVENT_NAME_MESSAGE });
const stepId = z.string({ error: STEP_ID_MESSAGE }).regex(JOURNEY_BOUNDS.stepId, { error: STEP_ID_MESSAGE });
const seconds = intRange(1, JOURNEY_BOUNDS.seconds, SECONDS_MESSAGE);
const strict = <S extends z.core.$ZodLooseShape>(shape: S) => z.strictObject(shape, { error: unknownKeys });
const oneOf = (values: readonly string[]) => `must be one of ${values.join(", ")}`;

/** Picks a schema by the string in `key` (`type`, `mode`); any other value is refused at that key. */
function byKind<T>(key: string, kinds: readonly string[], schemaOf: (kind: string) => z.ZodType<T>) {
  const refusal = z.object({ [key]: z.enum(kinds as [string, ...string[]], { error: oneOf(kinds) }) });
  return dispatchSchema((value): z.ZodType<T> | string => {
    if (!isPlainObject(value)) return `must be an object with a ${key}`;
    const kind = value[key];
    return typeof kind === "string" && kinds.includes(kind) ? schemaOf(kind) : (refusal as unknown as z.ZodType<T>);
  });
}

const EntrySchema = byKind<JourneyEntry>("type", ENTRY_TYPES, (type) =>
  type === "event"
    ? strict({
        type: z.literal("event"),
        event: eventName,
        filter: JourneyRuleSchema.optional(),
        key: z.string({ error: KEY_MESSAGE }).regex(PROPERTY_PATH_PATTERN, { error: KEY_MESSAGE }).optional(),
      })
    : strict({ type: z.literal("audience"), audienceId: nonEmptyString("audience id") }),
);

const UntilDateSchema = dispatchSchema((value): z.ZodType<string | { ref: string }> | string => {
  if (typeof value === "string") return z.iso.datetime({ offset: true, error: UNTIL_DATE_MESSAGE });
  if (!isPlainObject(value)) return UNTIL_DATE_MESSAGE;
  return strict({
    ref: z.string({ error: REF_MESSAGE }).regex(/^(?:entry|attributes)(?:\.[^.$]+)+$/, { error: REF_MESSAGE }),
  });
});

const StepSchemas = {
  send: strict({
    type: z.literal("send"),
    templateId: nonEmptyString("template id"),
    category: z.enum(MESSAGE_CATEGORIES, { error: oneOf(MESSAGE_CATEGORIES) }).optional(),
    next: stepId.optional(),
  }),
  delay: strict({
    type: z.literal("delay"),
    next: stepId,
    seconds: seconds.optional(),
    untilLocalTime: strict({
      hour: intRange(0, 23, "must be an integer from 0 to 23"),
      minute: intRange(0, 59, "must be an integer from 0 to 59").optional(),
    }).optional(),
    untilDate: UntilDateSchema.optional(),
  }).superRefine(exactlyOne(["seconds", "untilLocalTime", "untilDate"])),
  waitFor: strict({
    type: z.literal("waitFor"),
    event: eventName,
    match: JourneyRuleSchema.optional(),
    sameKey: z.boolean({ error: "must be true or false" }).optional(),
    timeoutSeconds: seconds,
    next: stepId,
    timeoutNext: stepId,
  }),
  branch: strict({
    type: z.literal("branch"),
    cases: z
      .array(strict({ when: JourneyRuleSchema, next: stepId }), { error: "must be an array of cases" })
      .min(1, { error: "must hold at least one case" })
      .max(JOURNEY_BOUNDS.branchCases, { error: `must hold at most ${JOURNEY_BOUNDS.branchCases} cases` }),
    else: stepId,
  }),
  exit: strict({ type: z.literal("exit") }),
};

const StepSchema = byKind<JourneyStep>(
  "type",
  STEP_TYPES,
  (type) => StepSchemas[type as keyof typeof StepSchemas] as unknown as z.ZodType<JourneyStep>,
);

const ReentrySchema = byKind<JourneyReentry>("mode", REENTRY_MODES, (mode) => {
  if (mode === "never") return strict({ mode: z.literal("never") });
  if (mode === "afterExit") {
    const cooldown = intRange(
      0,
      JOURNEY_BOUNDS.seconds,
      `must be an integer from 0 to ${JOURNEY_BOUNDS.seconds} (365 days)`,
    );
    return strict({ mode: z.literal("afterExit"), cooldownSeconds: cooldown.optional() });
  }
  const max = `must be an integer from 1 to ${JOURNEY_BOUNDS.maxInstances}`;
  return strict({ mode: z.literal("concurrent"), maxInstances: intRange(1, JOURNEY_BOUNDS.maxInstances, max) });
});

const ExitSchema = strict({
  events: z
    .array(strict({ event: eventName, match: JourneyRuleSchema.optional() }), {
      error: "must be an array of { event, match? }",
    })
    .optional(),
  audienceExit: z.array(nonEmptyString("audience id"), { error: "must be an array of audience ids" }).optional(),
});

const StepsSchema = z
  .record(stepId, StepSchema, {
    error: (iss) => (iss.code === "invalid_key" ? STEP_ID_MESSAGE : "must be an object of steps by id"),
  })
  .refine((steps) => Object.keys(steps).length <= JOURNEY_BOUNDS.steps, {
    error: `must hold at most ${JOURNEY_BOUNDS.steps} steps`,
  });

/** What only an event entry with a `key` allows: concurrent instances and waiting for the same key. */
function keyedEntryProblems(definition: JourneyDefinition, ctx: z.RefinementCtx): void {
  const { entry } = definition;
  const keyed = entry.type === "event" && entry.key !== undefined;
  const needsKey = "needs an event entry with a key";
  if (!keyed && definition.reentry?.mode === "concurrent") {
    ctx.addIssue({ code: "custom", path: ["reentry", "mode"], message: `concurrent ${needsKey}` });
  }
  for (const [id, step] of Object.entries(definition.steps)) {
    if (!keyed && step.type === "waitFor" && step.sameKey === true) {
      ctx.addIssue({ code: "custom", path: ["steps", id, "sameKey"], message: needsKey });
    }
    const until = step.type === "delay" && "untilDate" in step ? step.untilDate : undefined;
    if (entry.type !== "event" && typeof until === "object" && until.ref.startsWith("entry.")) {
      ctx.addIssue({ code: "custom", path: ["steps", id, "untilDate", "ref"], message: "needs an event entry" });
    }
  }
}

const DefinitionShape = strict({
  entry: EntrySchema,
  start: stepId,
  steps: StepsSchema,
  exit: ExitSchema.optional(),
  reentry: ReentrySchema.optional(),
}).superRefine((definition, ctx) => keyedEntryProblems(definition as JourneyDefinition, ctx));

/**
 * A journey definition's shape within JOURNEY_BOUNDS, its size checked first so a huge one costs
 * little to refuse. It does not check how steps link: parseJourneyDefinition does.
 */
export const JourneyDefinitionSchema: z.ZodType<JourneyDefinition> = dispatchSchema(
  (value): z.ZodType<JourneyDefinition> | string => {
    if (!isPlainObject(value)) return "must be an object like { entry, start, steps }";
    const bytes = encodedBytes(value);
    if (bytes > JOURNEY_BOUNDS.bytes) {
      const size = Number.isFinite(bytes) ? `it is ${bytes} bytes` : "it cannot be encoded";
      return `must be at most ${JOURNEY_BOUNDS.bytes / 1024} KiB encoded as JSON (${size})`;
    }
    return DefinitionShape as unknown as z.ZodType<JourneyDefinition>;
  },
);
