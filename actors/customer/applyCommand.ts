import type { CustomerFactDraft, CustomerState, IngestCommand, PersistedCustomer } from "../../model/index.ts";
import { type AccountJourneys, NO_JOURNEYS } from "./journeys.ts";
import { transition } from "./machine.ts";
import type { AudienceRule } from "./memberships.ts";
import type { CommandOutcome, CommandRefusal } from "./outcomes.ts";

const NO_PUSH_TOPICS: ReadonlySet<string> = new Set();

export type ApplyResult = {
  /** The customer to store, active or deleted; undefined while it is absent (nothing to store). */
  snapshot: PersistedCustomer | undefined;
  /** The facts to publish, in order; the runtime adds their metadata. */
  facts: CustomerFactDraft[];
  /** The active customer after the command (the queryable fields); undefined when absent or deleted. */
  state: CustomerState | undefined;
  /** What the command did not do, and why, for the log: clamped reversals, ignored orders, duplicates. */
  outcomes: CommandOutcome[];
  /** Set when the command was refused whole (the snapshot is the one passed in): dead-letter it. */
  refused?: CommandRefusal;
};

/**
 * Applies one INGEST command to a stored customer (undefined: none is stored), purely: no I/O,
 * and time only from `now`. `audiences` are the account's rule audiences, re-evaluated in real
 * time; `journeys` the account's journeys; `pushTopicAudiences` the ids of its audiences whose
 * `pushTopic` is on. Treat the returned snapshot as immutable: it may share objects with the one passed in.
 *
 * @example
 * let snapshot: PersistedCustomer | undefined;
 * const result = applyCommand(snapshot, command, clock.now(), catalog.rulesOf(account));
 * snapshot = result.snapshot; // store it, publish result.facts, log result.outcomes
 */
export function applyCommand(
  snapshot: PersistedCustomer | undefined,
  command: IngestCommand,
  now: Date,
  audiences: readonly AudienceRule[] = [],
  journeys: AccountJourneys = NO_JOURNEYS,
  pushTopicAudiences: ReadonlySet<string> = NO_PUSH_TOPICS,
): ApplyResult {
  if (snapshot) {
    const { account, customerId } = snapshot;
    if (account !== command.metadata.account || customerId !== command.metadata.customerId) {
      throw new Error(
        `command for ${command.metadata.account}:${command.metadata.customerId} applied to ${account}:${customerId}`,
      );
    }
  }
  const next = transition(snapshot ?? { status: "absent" }, command, {
    now: now.toISOString(),
    audiences,
    journeys,
    pushTopicAudiences,
  });
  const { customer, facts, outcomes, refused } = next;
  return {
    snapshot: customer.status === "absent" ? undefined : customer,
    facts,
    state: customer.status === "active" ? customer : undefined,
    outcomes,
    ...(refused ? { refused } : {}),
  };
}
