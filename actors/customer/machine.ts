import { enqueueActions, setup } from "xstate";
import type { CustomerFactDraft, CustomerState, IngestCommand } from "../../model/index.ts";
import { type DeviceOutcome, registerDevice, unregisterDevice } from "./devices.ts";
import { isDuplicateEvent, recordRegistration, trackEvent } from "./events.ts";
import {
  type AudienceRule,
  evaluateAudienceCommand,
  leaveAllAudiences,
  reevaluateAudiences,
  renameMembership,
  setMembership,
} from "./memberships.ts";
import { patchConsent, profileFacts, upsertProfile } from "./profile.ts";
import { createCustomerState, type Step } from "./state.ts";

/**
 * The clock reading a command is applied at, whether that command creates the customer, and the
 * account's rule audiences (re-evaluated in real time when what they read changes).
 */
export type StepContext = {
  /** ISO-8601, from the injected clock. */
  now: string;
  /** True for the first command of a customer the actor did not know. */
  created: boolean;
  audiences: readonly AudienceRule[];
};

/** An INGEST command as the machine receives it: with the clock reading and whether it creates the customer. */
export type CustomerEvent = IngestCommand extends infer C ? (C extends IngestCommand ? C & StepContext : never) : never;

export type CustomerInput = { account: string; customerId: string; now: string };

/**
 * One machine per customer. Pure: its actions only assign context and name outputs — `publish`
 * (a fact) and `note` (a line for the log) — which `transition()` hands back unexecuted.
 * `deleted` is final; the runtime then keeps only a tombstone.
 */
export const customerMachine = setup({
  types: {
    context: {} as CustomerState,
    events: {} as CustomerEvent,
    input: {} as CustomerInput,
  },
  actions: {
    /** Carries a fact out of `transition()`; the runtime publishes it. */
    publish: (_, _fact: CustomerFactDraft) => {},
    /** Carries a note out of `transition()`; the runtime logs it. */
    note: (_, _note: { message: string }) => {},
  },
  guards: {
    isDuplicateEvent: ({ context, event }) => isDuplicateEvent(context, event.metadata.commandId),
  },
}).createMachine({
  id: "customer",
  // xstate's pure transition() builds a throwaway actor without input; answer it cheaply
  // instead of letting createCustomerState throw (and xstate swallow) on every command.
  context: ({ input }) => (input ? createCustomerState(input) : ({} as CustomerState)),
  initial: "active",
  states: {
    active: {
      on: {
        "customer.upsert": {
          actions: enqueueActions(({ context, event, enqueue }) =>
            emitStep(
              enqueue,
              runStep(context, event, (state) => stateOnly(upsertProfile(state, event.data))),
            ),
          ),
        },
        "consent.set": {
          actions: enqueueActions(({ context, event, enqueue }) =>
            emitStep(
              enqueue,
              runStep(context, event, (state) =>
                stateOnly({ ...state, consent: patchConsent(state.consent, event.data) }),
              ),
            ),
          ),
        },
        "event.track": [
          {
            guard: "isDuplicateEvent",
            actions: {
              type: "note",
              params: ({ event }) => ({ message: `event ${event.metadata.commandId} already applied` }),
            },
          },
          {
            actions: enqueueActions(({ context, event, enqueue }) =>
              emitStep(
                enqueue,
                runStep(context, event, (state) => trackEvent(state, event, event.now)),
              ),
            ),
          },
        ],
        "device.register": {
          actions: enqueueActions(({ context, event, enqueue }) =>
            emitStep(
              enqueue,
              runStep(context, event, (state) =>
                withDevices(state, registerDevice(state.devices, event.data, event.now)),
              ),
            ),
          ),
        },
        "device.unregister": {
          actions: enqueueActions(({ context, event, enqueue }) =>
            emitStep(
              enqueue,
              runStep(context, event, (state) => withDevices(state, unregisterDevice(state.devices, event.data.token))),
            ),
          ),
        },
        "audience.evaluate": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            emitStep(
              enqueue,
              runStep(context, event, (state) => evaluateAudienceCommand(state, event.data, event.now)),
            );
          }),
        },
        "membership.set": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            emitStep(
              enqueue,
              runStep(context, event, (state) => setMembership(state, event.data, event.now)),
            );
          }),
        },
        "membership.rename": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            emitStep(
              enqueue,
              runStep(context, event, (state) => renameMembership(state, event.data)),
            );
          }),
        },
        "customer.delete": {
          target: "deleted",
          actions: enqueueActions(({ context, event, enqueue }) => {
            for (const exit of leaveAllAudiences(context, event.now)) enqueue({ type: "publish", params: exit });
            enqueue({ type: "publish", params: { type: "customer.deleted", data: {} } });
          }),
        },
      },
    },
    deleted: { type: "final" },
  },
});

type Enqueue = {
  assign: (next: (args: { context: CustomerState }) => Partial<CustomerState>) => void;
  (action: { type: "publish"; params: CustomerFactDraft } | { type: "note"; params: { message: string } }): void;
};

/** Hands a step to XState: the next context, then its facts and notes as named actions. */
function emitStep(enqueue: Enqueue, step: Step): void {
  enqueue.assign(() => step.state);
  for (const fact of step.facts) enqueue({ type: "publish", params: fact });
  for (const message of step.notes) enqueue({ type: "note", params: { message } });
}

function stateOnly(state: CustomerState): Step {
  return { state, facts: [], notes: [] };
}

function withDevices(state: CustomerState, outcome: DeviceOutcome): Step {
  return { state: { ...state, devices: outcome.devices }, facts: outcome.fact ? [outcome.fact] : [], notes: [] };
}

/**
 * Runs one command's own change (`apply`) and adds what every command shares: REGISTRATION when it
 * creates the customer, the `customer.profileChanged` / `tags.changed` facts found by comparing the
 * state before and after, the real-time re-evaluation of the audiences that read what changed, and
 * `updatedAt`. A change to what the customer is always yields a fact, so `updatedAt` moves exactly
 * when there are facts.
 */
export function runStep(before: CustomerState, at: StepContext, apply: (state: CustomerState) => Step): Step {
  const registered: Step = at.created ? recordRegistration(before, at.now) : { state: before, facts: [], notes: [] };
  const applied = apply(registered.state);
  const changed: Step = {
    state: applied.state,
    facts: [...profileFacts(before, applied.state, at.created), ...registered.facts, ...applied.facts],
    notes: [...registered.notes, ...applied.notes],
  };
  const evaluated = reevaluateAudiences(changed, at.audiences, at.now);
  return {
    ...evaluated,
    state: evaluated.facts.length > 0 ? { ...evaluated.state, updatedAt: at.now } : evaluated.state,
  };
}
