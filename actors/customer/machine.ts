import type {
  CustomerFactDraft,
  CustomerResyncedData,
  CustomerState,
  DeletedCustomer,
  IngestCommand,
  PersistedCustomer,
} from "../../model/index.ts";
import { refusalOf } from "./bounds.ts";
import { registerDevice, unregisterDevice } from "./devices.ts";
import { withNextDueAt } from "./dueAt.ts";
import { type AccountJourneys, runJourneys } from "./journeys.ts";
import {
  type AudienceRule,
  evaluateAudienceCommand,
  isMember,
  leaveAllAudiences,
  reevaluateAudiences,
  reevaluateTimedAudiences,
  renameMembership,
  setMembership,
} from "./memberships.ts";
import type { CommandOutcome, CommandRefusal } from "./outcomes.ts";
import { patchConsent, profileFacts, upsertProfile } from "./profile.ts";
import { decidePushTopics, leaveAllPushTopics } from "./pushTopics.ts";
import { decideSend, decideSendToNobody } from "./sends.ts";
import { createCustomerState, type Step, stateOnly } from "./state.ts";
import { recordRegistration, trackEvent } from "./trackedEvents.ts";
import { stillUnsubscribed, unsubscribe } from "./unsubscribes.ts";

/**
 * A customer's lifecycle: `absent` (never seen: nothing stored), `active` (its whole state) or
 * `deleted` (who it was and when it went). A command to an absent or deleted customer creates it,
 * except deleting it, unregistering one of its devices, unsubscribing it, sending it a message,
 * or asking whether it is in an audience.
 */
export type CustomerLifecycle = { status: "absent" } | PersistedCustomer;

/** What a command is applied with besides the customer: the clock reading and the rule audiences. */
export type StepContext = {
  /** ISO-8601, from the injected clock. */
  now: string;
  /** The account's rule audiences, re-evaluated in real time when what they read changes. */
  audiences: readonly AudienceRule[];
  /** The account's journeys, run on what the command did. */
  journeys: AccountJourneys;
  /** The ids of the account's audiences whose `pushTopic` is on (see pushTopics.ts). */
  pushTopicAudiences: ReadonlySet<string>;
};

/** One command applied: the customer after it, the facts it decided and what it did not do. */
export type Transition = {
  customer: CustomerLifecycle;
  /** In the order they are published; the runtime adds their metadata. */
  facts: CustomerFactDraft[];
  outcomes: CommandOutcome[];
  /** Set when the command is refused whole: then the customer is unchanged and there are no facts. */
  refused?: CommandRefusal;
};

/**
 * The customer machine: applies one command to a customer, purely (no I/O, time only from
 * `context.now`). Its shape is that of a journey's step machine (docs/architecture.md): state,
 * input and now in; the next state and effects out.
 *
 * @example
 * const { customer, facts, outcomes } = transition({ status: "absent" }, command, { now, audiences: [], journeys: NO_JOURNEYS, pushTopicAudiences: new Set() });
 */
export function transition(customer: CustomerLifecycle, command: IngestCommand, context: StepContext): Transition {
  const next =
    customer.status === "active" ? whileActive(customer, command, context) : whileGone(customer, command, context);
  const refused = refusalOf(command, next.customer);
  return refused ? { customer, facts: [], outcomes: [], refused } : next;
}

function whileGone(
  customer: { status: "absent" } | DeletedCustomer,
  command: IngestCommand,
  context: StepContext,
): Transition {
  const { status } = customer;
  switch (command.type) {
    case "customer.delete":
    case "device.unregister":
    // An unsubscribe link of a customer since deleted: nobody left to send to.
    case "customer.unsubscribe":
    // A deadline of a customer since deleted: its journeys went with it.
    case "customer.wake":
      return { customer, facts: [], outcomes: [{ type: "noCustomer", command: command.type, status }] };
    case "integration.resync":
      // A deleted customer's deletion is resent: the fact that told the integration may be gone.
      return status === "deleted"
        ? { customer, facts: [resyncedFact(command.data, { part: "deleted" })], outcomes: [] }
        : { customer, facts: [], outcomes: [{ type: "noCustomer", command: command.type, status }] };
    case "message.send":
      return { customer, facts: [decideSendToNobody(command, context.now)], outcomes: [] };
    case "audience.evaluate":
    case "membership.set":
    case "membership.rename":
    case "pushTopic.refresh": {
      const { audienceId, runId } = command.data;
      return {
        customer,
        facts: [{ type: "membership.unchanged", data: { audienceId, runId, member: false } }],
        outcomes: [{ type: "notAMember", command: command.type, audienceId, status }],
      };
    }
    default: {
      const { account, customerId } = command.metadata;
      return applyChange(createCustomerState({ account, customerId, now: context.now }), true, command, context);
    }
  }
}

function whileActive(customer: CustomerState, command: IngestCommand, context: StepContext): Transition {
  if (command.type === "customer.delete") {
    const { account, customerId } = customer;
    return {
      customer: { status: "deleted", account, customerId, deletedAt: context.now },
      facts: [
        ...leaveAllAudiences(customer, context.now),
        ...leaveAllPushTopics(customer),
        { type: "customer.deleted", data: {} },
      ],
      outcomes: [],
    };
  }
  if (command.type === "integration.resync") {
    // Nothing changes: the customer's state is only told, so `updatedAt` stays where it is.
    const { profile, attributes, consent, identified, tags, memberships } = customer;
    const parts: CustomerResyncedData["current"][] = [
      {
        part: "profile",
        profile: { ...profile },
        attributes: structuredClone(attributes),
        consent: { ...consent },
        identified,
      },
      { part: "tags", tags: [...tags] },
      { part: "memberships", audienceIds: memberships.map((membership) => membership.audienceId) },
    ];
    return {
      customer: { status: "active", ...customer },
      facts: parts.map((current) => resyncedFact(command.data, current)),
      outcomes: [],
    };
  }
  if (command.type === "message.send") {
    // A send changes nothing of what the customer is (no profile fact, no audience to re-evaluate,
    // `updatedAt` stays): only what caps count.
    const { state, fact } = decideSend(customer, command.data, context.now);
    return { customer: { status: "active", ...state }, facts: [fact], outcomes: [] };
  }
  return applyChange(customer, false, command, context);
}

/**
 * A command's change of an active customer (`created`: one it creates), with what follows every
 * change: its journeys run on it, its tokens are put in or taken out of push topics, and its
 * `nextDueAt` is set to the earliest instant it must be woken at.
 */
function applyChange(state: CustomerState, created: boolean, command: ChangeCommand, context: StepContext): Transition {
  const step = runStep(state, context, created, (current) => change(current, command, context));
  const ran = runJourneys(step, context.journeys, context.now, command.type === "customer.wake");
  const topics = decidePushTopics(ran, context.pushTopicAudiences);
  return active({ ...topics, state: withNextDueAt(topics.state, context.audiences, context.now) });
}

function resyncedFact(
  request: { integrationId: string; resyncId: string },
  current: CustomerResyncedData["current"],
): CustomerFactDraft {
  return { type: "customer.resynced", data: { ...request, current } };
}

function active(step: Step): Transition {
  return { customer: { status: "active", ...step.state }, facts: step.facts, outcomes: step.outcomes };
}

/**
 * What one command changes in an active customer, before what every command shares (see
 * `runStep`). A new command is one case here.
 */
/** The commands that change what a customer is (the others are answered apart). */
type ChangeCommand = Exclude<IngestCommand, { type: "customer.delete" | "integration.resync" | "message.send" }>;

function change(state: CustomerState, command: ChangeCommand, context: StepContext): Step {
  const { now } = context;
  switch (command.type) {
    case "customer.upsert":
      return stateOnly(stillUnsubscribed(upsertProfile(state, command.data), command.data.consent ?? {}));
    case "consent.set":
      return stateOnly(
        stillUnsubscribed({ ...state, consent: patchConsent(state.consent, command.data) }, command.data),
      );
    case "customer.unsubscribe":
      return stateOnly(unsubscribe(state, command.data.purpose));
    case "customer.wake":
      return reevaluateTimedAudiences(stateOnly(state), context.audiences, now);
    case "event.track":
      return trackEvent(state, command, now);
    case "device.register": {
      const { devices, facts } = registerDevice(state.devices, command.data, now);
      return { state: { ...state, devices }, facts, outcomes: [] };
    }
    case "device.unregister": {
      const { devices, facts } = unregisterDevice(state.devices, command.data.token);
      return { state: { ...state, devices }, facts, outcomes: [] };
    }
    case "audience.evaluate":
      return evaluateAudienceCommand(state, command.data, now);
    case "membership.set":
      return setMembership(state, command.data, now);
    case "membership.rename":
      return renameMembership(state, command.data);
    case "pushTopic.refresh": {
      // What to decide follows every change (see `applyChange`): here only the run's answer.
      const { audienceId, runId } = command.data;
      const member = isMember(state, audienceId);
      return { state, facts: [{ type: "membership.unchanged", data: { audienceId, runId, member } }], outcomes: [] };
    }
  }
}

/**
 * Runs one command's own change (`apply`) and adds what every command shares: REGISTRATION when it
 * creates the customer, the `customer.profileChanged` / `tags.changed` facts found by comparing the
 * state before and after, the real-time re-evaluation of the audiences that read what changed, and
 * `updatedAt`. A change to what the customer is always yields a fact, so `updatedAt` moves exactly
 * when there are facts.
 */
function runStep(
  before: CustomerState,
  context: StepContext,
  created: boolean,
  apply: (state: CustomerState) => Step,
): Step {
  const registered: Step = created ? recordRegistration(before, context.now) : stateOnly(before);
  const applied = apply(registered.state);
  const changed: Step = {
    state: applied.state,
    facts: [...profileFacts(before, applied.state, created), ...registered.facts, ...applied.facts],
    outcomes: [...registered.outcomes, ...applied.outcomes],
  };
  const evaluated = reevaluateAudiences(changed, context.audiences, context.now);
  return {
    ...evaluated,
    state: evaluated.facts.length > 0 ? { ...evaluated.state, updatedAt: context.now } : evaluated.state,
  };
}
