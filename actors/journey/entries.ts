import type { EntryEvent, JourneyInstance } from "../../model/index.ts";
import { matchesJourneyRule } from "../../rules/index.ts";
import type { JourneyVersion } from "./journeyVersion.ts";
import { type JourneyEvent, keyValue } from "./machine.ts";

/** What may start a journey. */
export type JourneyTrigger = { kind: "event"; event: JourneyEvent } | { kind: "audienceEntry"; audienceId: string };

/** A journey a trigger enters, and as which occurrence. */
export type JourneyEntryDecision = {
  version: JourneyVersion;
  occurrence: string;
  key?: string;
  entryEvent?: EntryEvent;
};

/** The most ACTIVE instances one customer holds, over every journey: a bound on its state. */
export const MAX_ACTIVE_INSTANCES = 200;

/**
 * The live journeys `trigger` enters (docs/journeys.md, "Entries"): those whose entry it is
 * (an event of that name passing the filter and holding the key; an audience entered), and
 * whose re-entry rule lets the customer in given its instances: `never` once it was in the
 * journey at all, `afterExit` when it has no ACTIVE instance and its last one ended at least the
 * cooldown ago, `concurrent` when no ACTIVE instance has the same key and fewer than
 * `maxInstances` are ACTIVE. An ACTIVE instance of the same occurrence is never doubled.
 */
export function journeysEntered(
  trigger: JourneyTrigger,
  live: readonly JourneyVersion[],
  instances: readonly JourneyInstance[],
  customerDocument: object,
  now: string,
): JourneyEntryDecision[] {
  let active = instances.filter((instance) => instance.status === "ACTIVE").length;
  const entered: JourneyEntryDecision[] = [];
  for (const version of live) {
    if (active >= MAX_ACTIVE_INSTANCES) break;
    const decision = entryOf(trigger, version, customerDocument, now);
    if (decision === undefined || !mayEnter(decision, instances, now)) continue;
    entered.push(decision);
    active += 1;
  }
  return entered;
}

function entryOf(
  trigger: JourneyTrigger,
  version: JourneyVersion,
  customerDocument: object,
  now: string,
): JourneyEntryDecision | undefined {
  const { entry } = version.definition;
  if (trigger.kind === "audienceEntry") {
    return entry.type === "audience" && entry.audienceId === trigger.audienceId
      ? { version, occurrence: `audience:${now}` }
      : undefined;
  }
  const { event } = trigger;
  if (entry.type !== "event" || entry.event !== event.name) return undefined;
  if (entry.filter && !matchesJourneyRule(entry.filter, { customer: customerDocument, event }, new Date(now))) {
    return undefined;
  }
  const entryEvent: EntryEvent = { id: event.id, name: event.name, properties: event.properties };
  if (entry.key === undefined) return { version, occurrence: event.id, entryEvent };
  // A keyed journey is one instance per key value: an event without one has nothing to be.
  const key = keyValue(event.properties, entry.key);
  return key === undefined ? undefined : { version, occurrence: `key:${key}`, key, entryEvent };
}

function mayEnter(decision: JourneyEntryDecision, instances: readonly JourneyInstance[], now: string): boolean {
  const { journeyId } = decision.version;
  const ofJourney = instances.filter((instance) => instance.journeyId === journeyId);
  const active = ofJourney.filter((instance) => instance.status === "ACTIVE");
  if (active.some((instance) => instance.occurrence === decision.occurrence)) return false;
  const reentry = decision.version.definition.reentry ?? { mode: "never" };
  switch (reentry.mode) {
    case "never":
      return ofJourney.length === 0;
    case "afterExit": {
      if (active.length > 0) return false;
      const lastEnd = ofJourney.reduce(
        (latest, instance) => ((instance.endedAt ?? "") > latest ? (instance.endedAt ?? "") : latest),
        "",
      );
      const cooldownMs = (reentry.cooldownSeconds ?? 0) * 1_000;
      return lastEnd === "" || Date.parse(lastEnd) + cooldownMs <= Date.parse(now);
    }
    case "concurrent":
      return active.length < reentry.maxInstances;
  }
}

/**
 * The instances a customer keeps: every ACTIVE one, and of each journey the latest that ended
 * (re-entry rules and `Customer.journeys` read it).
 */
export function keptInstances(instances: readonly JourneyInstance[]): JourneyInstance[] {
  const latestEnded = new Map<string, JourneyInstance>();
  for (const instance of instances) {
    if (instance.status === "ACTIVE") continue;
    const kept = latestEnded.get(instance.journeyId);
    if (!kept || (instance.endedAt ?? "") >= (kept.endedAt ?? "")) latestEnded.set(instance.journeyId, instance);
  }
  return instances.filter(
    (instance) => instance.status === "ACTIVE" || latestEnded.get(instance.journeyId) === instance,
  );
}

/** The earliest deadline of the ACTIVE instances, or undefined when none waits for a time. */
export function earliestDeadline(instances: readonly JourneyInstance[]): string | undefined {
  let earliest: string | undefined;
  for (const { status, waitingUntil } of instances) {
    if (status === "ACTIVE" && waitingUntil !== undefined && (earliest === undefined || waitingUntil < earliest)) {
      earliest = waitingUntil;
    }
  }
  return earliest;
}
