import { CONSENT_PURPOSES, type ConsentState, type CustomerFactDraft, type CustomerState } from "../../model/index.ts";
import type { CommandOutcome } from "./outcomes.ts";

export const RECENT_EVENT_IDS = 500;

/** What a fresh customer looks like, before its first command is applied. */
export function createCustomerState(input: { account: string; customerId: string; now: string }): CustomerState {
  return {
    account: input.account,
    customerId: input.customerId,
    identified: true,
    createdAt: input.now,
    updatedAt: input.now,
    profile: {},
    attributes: {},
    tags: [],
    consent: Object.fromEntries(CONSENT_PURPOSES.map((purpose) => [purpose, "UNKNOWN"])) as ConsentState,
    devices: [],
    stats: [],
    orders: [],
    recentEventIds: [],
    memberships: [],
  };
}

/**
 * The result of applying one command to an active customer's state: the next state, the facts it
 * decided and the outcomes of what it did not do (e.g. a clamped reversal).
 */
export type Step = {
  state: CustomerState;
  facts: CustomerFactDraft[];
  outcomes: CommandOutcome[];
};

/** A step that changes only the state; the facts describing it are found by comparison (see `runStep`). */
export function stateOnly(state: CustomerState): Step {
  return { state, facts: [], outcomes: [] };
}
