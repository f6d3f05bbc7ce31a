import { createHash } from "node:crypto";
import type {
  Channel,
  EntryEvent,
  JourneyChangedData,
  JourneyInstance,
  JsonObject,
  MessageCategory,
} from "../../model/index.ts";
import { JOURNEY_BOUNDS, type JourneyStep, matchesJourneyRule } from "../../rules/index.ts";
import { delayDeadline } from "./deadlines.ts";
import type { JourneyVersion } from "./journeyVersion.ts";
import { valueAt } from "./valueAt.ts";

/**
 * The journey step machine (docs/journeys.md, "Running journeys"): pure, time only from `now`.
 * Given an instance, what happened and the customer as it is, it answers the instance after it,
 * the sends it asks for and how it moved. Deadlines live in the instance (`waitingUntil`); the
 * runtime arms an alarm for the earliest and wakes the customer when it comes.
 */

/** An event the customer did, as a journey reads it. */
export type JourneyEvent = EntryEvent & { at: string };

/** What moves an instance. */
export type JourneyInput =
  | { kind: "event"; event: JourneyEvent }
  /** The customer was woken: a deadline at or before now ends its wait. */
  | { kind: "wake" }
  | { kind: "audienceExit"; audienceId: string }
  /** The journey was archived: every instance exits. */
  | { kind: "archived" };

/** The customer, as steps read it. */
export type JourneyCustomer = {
  customerId: string;
  /** The customer document as rules read it (see rules/). */
  document: object;
  attributes: JsonObject;
  /** Its IANA time zone (its own, else the account's, else UTC). */
  timeZone: string;
};

/** A send a `send` step asks for; the customer actor decides it as any other. */
export type JourneySend = {
  sendKey: string;
  channel: Channel;
  category: MessageCategory;
  templateId: string;
  templateVersion: number;
  source: string;
  variables: JsonObject;
};

export type JourneyMove = {
  instance: JourneyInstance;
  sends: JourneySend[];
  changes: JourneyChangedData[];
};

type Context = {
  version: JourneyVersion;
  /** The journey's name, for its sends' templates. */
  name: string;
  customer: JourneyCustomer;
  now: string;
  /**
   * The time of the event being applied, if one is: a step it leads to begins then (or now, if
   * earlier), so a `waitFor` counts the events that happened after, even those the gateway
   * accepted before this one was applied.
   */
  eventAt?: string;
};

/** When a step reached now begins: at the event that led to it, or now. */
function stepStart(context: Context): string {
  return context.eventAt !== undefined && context.eventAt < context.now ? context.eventAt : context.now;
}

/** A new instance at the journey's start, run until it waits or ends. */
export function enterJourney(
  entry: { occurrence: string; key?: string; entryEvent?: EntryEvent },
  context: Context,
): JourneyMove {
  const { version, now } = context;
  const start = version.definition.start;
  const instance: JourneyInstance = {
    journeyId: version.journeyId,
    version: version.version,
    occurrence: entry.occurrence,
    ...(entry.key === undefined ? {} : { key: entry.key }),
    ...(entry.entryEvent === undefined ? {} : { entryEvent: entry.entryEvent }),
    status: "ACTIVE",
    stepId: start,
    enteredAt: now,
    stepSince: stepStart(context),
    stepsTaken: 0,
  };
  const move: JourneyMove = { instance, sends: [], changes: [change(instance, "ENTERED", now)] };
  return run(move, context);
}

/** An ACTIVE instance after `input`; an ended one, or one `input` does not concern, as it was. */
export function advanceInstance(instance: JourneyInstance, input: JourneyInput, context: Context): JourneyMove {
  const unchanged: JourneyMove = { instance, sends: [], changes: [] };
  if (instance.status !== "ACTIVE") return unchanged;
  const { definition } = context.version;
  const step = definition.steps[instance.stepId];
  switch (input.kind) {
    case "archived":
      return exit(unchanged, "journey archived", context.now);
    case "audienceExit":
      return definition.exit?.audienceExit?.includes(input.audienceId)
        ? exit(unchanged, `left audience ${input.audienceId}`, context.now)
        : unchanged;
    case "wake": {
      if (instance.waitingUntil === undefined || instance.waitingUntil > context.now) return unchanged;
      if (step?.type === "delay") return run(moveTo(unchanged, step.next, context), context);
      if (step?.type === "waitFor") return run(moveTo(unchanged, step.timeoutNext, context), context);
      return unchanged;
    }
    case "event": {
      const { event } = input;
      const exitOn = definition.exit?.events?.find(
        (criterion) => criterion.event === event.name && matches(criterion.match, event, context),
      );
      if (exitOn) return exit(unchanged, `event ${event.name}`, context.now);
      if (step?.type !== "waitFor" || !awaited(step, instance, event, context)) return unchanged;
      return run(moveTo(unchanged, step.next, context), context);
    }
  }
}

/**
 * Whether `event` is the one a waitFor step waits for: its name, at or after the wait began (an
 * earlier event does not count, even if it arrives late), its rule, and for `sameKey` the
 * instance's key value at the entry's key path.
 */
function awaited(
  step: Extract<JourneyStep, { type: "waitFor" }>,
  instance: JourneyInstance,
  event: JourneyEvent,
  context: Context,
): boolean {
  if (event.name !== step.event || event.at < instance.stepSince) return false;
  if (step.sameKey) {
    const { entry } = context.version.definition;
    const keyPath = entry.type === "event" ? entry.key : undefined;
    if (keyPath === undefined || keyValue(event.properties, keyPath) !== instance.key) return false;
  }
  return matches(step.match, event, context);
}

/**
 * Runs steps that take no time (send, branch, exit) until the instance waits or ends. The
 * language refuses loops without a wait; the bound stops one anyway.
 */
function run(move: JourneyMove, context: Context): JourneyMove {
  let current = move;
  for (let taken = 0; taken <= JOURNEY_BOUNDS.steps; taken += 1) {
    const { instance } = current;
    if (instance.status !== "ACTIVE" || instance.waitingUntil !== undefined) return current;
    const step = context.version.definition.steps[instance.stepId];
    if (step === undefined)
      return exit(current, `step ${instance.stepId} is not in version ${instance.version}`, context.now);
    const after = runStep(step, current, context);
    if (after === current) return current;
    current = after;
  }
  return exit(current, "too many steps without a wait", context.now);
}

/** One step: the move after it, or `move` itself when the instance now waits. */
function runStep(step: JourneyStep, move: JourneyMove, context: Context): JourneyMove {
  const { now } = context;
  switch (step.type) {
    case "send": {
      const sent = { ...move, sends: [...move.sends, sendOf(step, move.instance, context)] };
      return step.next === undefined ? end(sent, "COMPLETED", now) : moveTo(sent, step.next, context);
    }
    case "branch": {
      const chosen = step.cases.find((option) => matches(option.when, move.instance.entryEvent, context));
      return moveTo(move, chosen?.next ?? step.else, context);
    }
    case "exit":
      return end(move, "COMPLETED", now);
    case "delay": {
      const { customer } = context;
      const deadline = delayDeadline(step, {
        now: new Date(now),
        timeZone: customer.timeZone,
        entryProperties: move.instance.entryEvent?.properties,
        attributes: customer.attributes,
      }).toISOString();
      return deadline <= now ? moveTo(move, step.next, context) : waitUntil(move, deadline);
    }
    case "waitFor":
      return waitUntil(move, new Date(Date.parse(now) + step.timeoutSeconds * 1_000).toISOString());
  }
}

function sendOf(
  step: Extract<JourneyStep, { type: "send" }>,
  instance: JourneyInstance,
  context: Context,
): JourneySend {
  const { version, customer } = context;
  const template = version.templates[step.templateId];
  if (template === undefined) {
    // Publishing pins every template a version sends; a version without it is not one we published.
    throw new Error(`journey ${version.journeyId}@${version.version} has no pinned template ${step.templateId}`);
  }
  const visit = createHash("sha256")
    .update([customer.customerId, instance.occurrence, instance.stepId, instance.stepsTaken].join("\u0000"))
    .digest("base64url");
  return {
    sendKey: `journey:${version.journeyId}@${version.version}:${visit}`,
    channel: template.channel,
    category: step.category ?? "MARKETING",
    templateId: step.templateId,
    templateVersion: template.version,
    source: `journey:${version.journeyId}@${version.version}/${instance.stepId}`,
    variables: {
      journey: { id: version.journeyId, name: context.name },
      ...(instance.entryEvent
        ? { event: { name: instance.entryEvent.name, properties: instance.entryEvent.properties } }
        : {}),
    },
  };
}

function matches(
  rule: Parameters<typeof matchesJourneyRule>[0] | undefined,
  event: EntryEvent | undefined,
  context: Context,
) {
  if (rule === undefined) return true;
  const input = { customer: context.customer.document, ...(event ? { event } : {}) };
  return matchesJourneyRule(rule, input, new Date(context.now));
}

function moveTo(move: JourneyMove, stepId: string, context: Context): JourneyMove {
  const previousStepId = move.instance.stepId;
  const { waitingUntil: _, ...rest } = move.instance;
  const instance: JourneyInstance = { ...rest, stepId, stepSince: stepStart(context), stepsTaken: rest.stepsTaken + 1 };
  const stepped = { ...change(instance, "STEPPED", context.now), previousStepId };
  return { ...move, instance, changes: [...move.changes, stepped] };
}

function waitUntil(move: JourneyMove, deadline: string): JourneyMove {
  return { ...move, instance: { ...move.instance, waitingUntil: deadline } };
}

function exit(move: JourneyMove, reason: string, now: string): JourneyMove {
  return end(move, "EXITED", now, reason);
}

function end(move: JourneyMove, status: "EXITED" | "COMPLETED", now: string, exitReason?: string): JourneyMove {
  const { waitingUntil: _, ...rest } = move.instance;
  const instance: JourneyInstance = { ...rest, status, endedAt: now, ...(exitReason ? { exitReason } : {}) };
  return { ...move, instance, changes: [...move.changes, change(instance, status, now)] };
}

function change(instance: JourneyInstance, kind: JourneyChangedData["change"], at: string): JourneyChangedData {
  const { journeyId, version, occurrence, stepId, exitReason } = instance;
  return { journeyId, version, occurrence, change: kind, stepId, ...(exitReason ? { exitReason } : {}), at };
}

/** The value at a key path of an event's properties, as an instance key (strings and numbers only). */
export function keyValue(properties: JsonObject, path: string): string | undefined {
  const value = valueAt(properties, path);
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}
