import { JOURNEY_STATUSES, type Journey, type JourneyStats, type JsonObject } from "../model/index.ts";
import { builder } from "./builder.ts";
import { type Context, callerAccount } from "./context.ts";
import { orGraphQLError } from "./errors.ts";
import { JourneyChangeInputRef, JourneyInputRef, parseJourneyChange, parseJourneyInput } from "./journeyInput.ts";

const JourneyStatusRef = builder.enumType("JourneyStatus", {
  description:
    "DRAFT: never published; LIVE: customers enter its live version; PAUSED: no new entries, instances wait; ARCHIVED: final, no entries, instances exit",
  values: JOURNEY_STATUSES,
});

const JourneyStepStatsRef = builder.objectRef<JourneyStats["steps"][number]>("JourneyStepStats").implement({
  description: "One step's instances, over every version: at it now, that reached it, that finished it",
  fields: (t) => ({
    stepId: t.exposeString("stepId"),
    type: t.exposeString("type", { description: "send, delay, waitFor, branch or exit" }),
    active: t.exposeInt("active", { description: "Instances at the step now (waiting in it)" }),
    entered: t.exposeInt("entered"),
    completed: t.exposeInt("completed", { description: "Instances that went on from the step" }),
  }),
});

/** The definition shown: the draft being edited, else the last version published. */
async function shownDefinition(context: Context, journey: Journey): Promise<JsonObject> {
  if (journey.draft !== undefined) return journey.draft;
  const published = await context.services.journeys.version(journey.account, journey._id, journey.version);
  if (!published) throw new Error(`journey ${journey._id} has no draft and no version ${journey.version} stored`);
  return published.definition;
}

const NO_STATS: JourneyStats = { entered: 0, active: 0, exited: 0, steps: [] };

/** The journey's counters, read once per request however many of its fields ask. */
const statsRead = new WeakMap<Context, Map<string, Promise<JourneyStats>>>();
function statsOf(context: Context, journeyId: string): Promise<JourneyStats> {
  const read = statsRead.get(context) ?? new Map<string, Promise<JourneyStats>>();
  statsRead.set(context, read);
  const stats = read.get(journeyId) ?? context.services.journeyStats.get(journeyId).then((found) => found ?? NO_STATS);
  read.set(journeyId, stats);
  return stats;
}

/** Every step of the definition shown, in its order, then any counted step it no longer has. */
async function stepStats(context: Context, journey: Journey): Promise<JourneyStats["steps"]> {
  const [definition, stats] = await Promise.all([shownDefinition(context, journey), statsOf(context, journey._id)]);
  const counted = new Map(stats.steps.map((step) => [step.stepId, step]));
  const steps = Object.entries((definition.steps ?? {}) as Record<string, { type?: unknown }>);
  const shown = steps.map(([stepId, step]) => ({
    stepId,
    type: String(step.type),
    active: 0,
    entered: 0,
    completed: 0,
    ...counted.get(stepId),
  }));
  const gone = stats.steps.filter((step) => !Object.hasOwn(definition.steps ?? {}, step.stepId));
  return [...shown, ...gone];
}

export const JourneyRef = builder.objectRef<Journey>("Journey").implement({
  description: "A multi-step automation (docs/journeys.md): a draft is edited, publishing freezes it as a version",
  fields: (t) => ({
    id: t.exposeID("_id"),
    name: t.exposeString("name"),
    status: t.expose("status", { type: JourneyStatusRef }),
    version: t.exposeInt("version", {
      description: "The version being edited (the draft) or, with no draft, the last published",
    }),
    definition: t.field({
      type: "JSON",
      description: "The draft being edited, else the last version published",
      resolve: (journey, _args, context) => shownDefinition(context, journey),
    }),
    steps: t.field({
      type: [JourneyStepStatsRef],
      description: "Each step of the definition shown, then steps of earlier versions that still count instances",
      resolve: (journey, _args, context) => stepStats(context, journey),
    }),
    entered: t.int({
      description: "Instances that entered, over every version",
      resolve: async (journey, _args, context) => (await statsOf(context, journey._id)).entered,
    }),
    active: t.int({
      description: "Instances not yet exited or completed",
      resolve: async (journey, _args, context) => (await statsOf(context, journey._id)).active,
    }),
    exited: t.int({
      description: "Instances that left before the end (an exit criterion, archiving, …)",
      resolve: async (journey, _args, context) => (await statsOf(context, journey._id)).exited,
    }),
  }),
});

builder.queryFields((t) => ({
  journey: t.field({
    type: JourneyRef,
    nullable: true,
    description: "ADMIN: one journey of the caller's account; null when there is none",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) =>
      (await context.services.journeys.get(callerAccount(context), String(args.id))) ?? null,
  }),
  journeys: t.field({
    type: [JourneyRef],
    description: "ADMIN: the account's journeys, oldest first",
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.journeys.list(callerAccount(context)),
  }),
}));

builder.mutationFields((t) => {
  /** A mutation that moves one journey on. */
  const acting = (description: string, act: "publish" | "pause" | "resume" | "archive") =>
    t.field({
      type: JourneyRef,
      description,
      authScopes: { admin: true },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, context) =>
        orGraphQLError(() => context.services.journeyOperations[act](callerAccount(context), String(args.id))),
    });
  return {
    createJourney: t.field({
      type: JourneyRef,
      description: "ADMIN: a new journey, DRAFT, version 1; an invalid definition is refused naming every problem",
      authScopes: { admin: true },
      args: { input: t.arg({ type: JourneyInputRef, required: true }) },
      resolve: (_root, args, context) => {
        const input = parseJourneyInput(args.input);
        return orGraphQLError(() => context.services.journeyOperations.create(callerAccount(context), input));
      },
    }),
    updateJourney: t.field({
      type: JourneyRef,
      description: "ADMIN: edits the draft; the first edit after a publish opens the next version",
      authScopes: { admin: true },
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: JourneyChangeInputRef, required: true }) },
      resolve: (_root, args, context) => {
        const change = parseJourneyChange(args.input);
        return orGraphQLError(() =>
          context.services.journeyOperations.update(callerAccount(context), String(args.id), change),
        );
      },
    }),
    publishJourney: acting(
      "ADMIN: the draft becomes the LIVE version, its templates pinned at their current versions; instances stay on the version they entered",
      "publish",
    ),
    pauseJourney: acting("ADMIN: LIVE → PAUSED: no new entries; instances wait", "pause"),
    resumeJourney: acting("ADMIN: PAUSED → LIVE", "resume"),
    archiveJourney: acting("ADMIN: → ARCHIVED, final: no new entries; instances exit", "archive"),
  };
});
