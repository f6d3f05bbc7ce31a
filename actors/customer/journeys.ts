import type {
  CustomerFactDraft,
  CustomerState,
  JourneyInstance,
  JourneyStatus,
  MessagingSettings,
} from "../../model/index.ts";
import {
  advanceInstance,
  enterJourney,
  type JourneyCustomer,
  type JourneyInput,
  type JourneyMove,
  type JourneyTrigger,
  type JourneyVersion,
  journeysEntered,
  keptInstances,
} from "../journey/index.ts";
import { decideSend, timeZoneOf } from "./sends.ts";
import type { Step } from "./state.ts";

/** An account's journeys as the customer actor reads them (a live catalog: actors/journey/catalog.ts). */
export type AccountJourneys = {
  /** The LIVE journeys, each at its live version: what a customer may enter. */
  live: readonly JourneyVersion[];
  /** A version an instance is pinned to. */
  version: (journeyId: string, version: number) => JourneyVersion | undefined;
  status: (journeyId: string) => JourneyStatus | undefined;
  /** A journey's name, which its sends' templates read as `journey.name`. */
  name: (journeyId: string) => string | undefined;
  /** Caps and quiet hours, for the sends journeys ask for. */
  messaging: MessagingSettings;
};

export const NO_JOURNEYS: AccountJourneys = {
  live: [],
  version: () => undefined,
  status: () => undefined,
  name: () => undefined,
  messaging: { caps: [] },
};

/**
 * Runs the customer's journeys on what a command did (docs/journeys.md, "Running journeys"): the
 * events it recorded and the audiences it entered or left move the ACTIVE instances and start
 * new ones; a wake (`customer.wake`) ends the waits that are due. Instances of a PAUSED journey
 * hold still; those of an ARCHIVED one exit. Each send a step asks for is decided here, as
 * `sendMessage`'s are. Answers the step with the journeys' facts after the command's own.
 */
export function runJourneys(step: Step, journeys: AccountJourneys, now: string, wake = false): Step {
  const held = step.state.journeys ?? [];
  if (held.length === 0 && journeys.live.length === 0) return step;
  let state = step.state;
  let instances = [...held];
  const facts: CustomerFactDraft[] = [];

  const apply = (move: JourneyMove) => {
    for (const change of move.changes) facts.push({ type: "journey.changed", data: change });
    for (const send of move.sends) {
      const decided = decideSend(state, { ...send, messaging: journeys.messaging }, now);
      state = decided.state;
      facts.push(decided.fact);
    }
    return move.instance;
  };
  const advanceAll = (input: JourneyInput, eventAt?: string) => {
    instances = instances.map((instance) => {
      if (instance.status !== "ACTIVE") return instance;
      const status = journeys.status(instance.journeyId);
      const version = journeys.version(instance.journeyId, instance.version);
      if (status === "PAUSED" || version === undefined) return instance;
      const effective: JourneyInput = status === "ARCHIVED" ? { kind: "archived" } : input;
      return apply(advanceInstance(instance, effective, contextOf(version, state, journeys, now, eventAt)));
    });
  };
  const enterAll = (trigger: JourneyTrigger, eventAt?: string) => {
    for (const entry of journeysEntered(trigger, journeys.live, instances, state, now)) {
      const { version, ...occurrence } = entry;
      instances.push(apply(enterJourney(occurrence, contextOf(version, state, journeys, now, eventAt))));
    }
  };

  if (wake) advanceAll({ kind: "wake" });
  for (const fact of step.facts) {
    if (fact.type === "event.recorded") {
      const { eventId, name, properties, timestamp } = fact.data;
      const event = { id: eventId, name, properties, at: timestamp };
      advanceAll({ kind: "event", event }, timestamp);
      enterAll({ kind: "event", event }, timestamp);
    } else if (fact.type === "membership.changed") {
      const { audienceId, change } = fact.data;
      if (change === "EXITED") advanceAll({ kind: "audienceExit", audienceId });
      else enterAll({ kind: "audienceEntry", audienceId });
    }
  }
  if (facts.length === 0 && instances.length === held.length) return step;
  return { ...step, state: withInstances(state, keptInstances(instances)), facts: [...step.facts, ...facts] };
}

function withInstances(state: CustomerState, instances: JourneyInstance[]): CustomerState {
  const { journeys: _, ...rest } = state;
  return instances.length > 0 ? { ...rest, journeys: instances } : rest;
}

/** What steps of `version` run with: the customer as it is, the journey's name, the clock and the event. */
function contextOf(
  version: JourneyVersion,
  state: CustomerState,
  journeys: AccountJourneys,
  now: string,
  eventAt: string | undefined,
) {
  const name = journeys.name(version.journeyId) ?? version.journeyId;
  return { version, name, customer: customerOf(state, journeys), now, ...(eventAt ? { eventAt } : {}) };
}

function customerOf(state: CustomerState, journeys: AccountJourneys): JourneyCustomer {
  return {
    customerId: state.customerId,
    document: state,
    attributes: state.attributes,
    timeZone: timeZoneOf(state, journeys.messaging),
  };
}
