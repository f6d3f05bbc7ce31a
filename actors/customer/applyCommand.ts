import { initialTransition, type SnapshotFrom, transition } from "xstate";
import type { CustomerFactDraft, CustomerState, IngestCommand } from "../../model/index.ts";
import { type CustomerEvent, customerMachine } from "./machine.ts";
import type { AudienceRule } from "./memberships.ts";

/** Bumped when the shape of `CustomerState` changes in a way older documents must be migrated for. */
export const PERSISTED_CUSTOMER_SCHEMA = 1;

/**
 * What the runtime stores for a live customer: plain JSON, safe to round-trip through
 * `JSON.stringify`/`JSON.parse` or BSON. Restored with `customerMachine.resolveState({ value, context })`,
 * so the stored context is the whole truth (the machine keeps no timers, children or history).
 * A deleted customer has no snapshot.
 */
export type PersistedCustomer = {
  schemaVersion: typeof PERSISTED_CUSTOMER_SCHEMA;
  value: "active";
  context: CustomerState;
};

export type ApplyResult = {
  /** The snapshot to store; undefined when the customer is deleted (or was never created). */
  snapshot: PersistedCustomer | undefined;
  /** The facts to publish, in order; the runtime adds their metadata. */
  facts: CustomerFactDraft[];
  /** The customer after the command (the snapshot's context): the queryable fields. */
  state: CustomerState | undefined;
  /** Lines for the log: clamped reversals, ignored orders, skipped duplicates. */
  notes: string[];
};

type MachineSnapshot = SnapshotFrom<typeof customerMachine>;

/**
 * Applies one INGEST command to a customer, purely: no I/O, and time only from `now`.
 *
 * The first command for an unknown customer (`snapshot` undefined) creates it and records
 * REGISTRATION, except `customer.delete` and `device.unregister`, which then yield nothing, and
 * audience commands, which only answer that the customer is no member (so a run counts them).
 * `audiences` are the account's rule audiences, re-evaluated in real time.
 * Treat the returned snapshot as immutable: it may share objects with the one passed in.
 *
 * @example
 * let snapshot: PersistedCustomer | undefined;
 * const result = applyCommand(snapshot, command, clock.now(), catalog.rulesOf(account));
 * snapshot = result.snapshot; // store it, publish result.facts, log result.notes
 */
export function applyCommand(
  snapshot: PersistedCustomer | undefined,
  command: IngestCommand,
  now: Date,
  audiences: readonly AudienceRule[] = [],
): ApplyResult {
  const at = now.toISOString();
  if (!snapshot) {
    if (command.type === "customer.delete" || command.type === "device.unregister") {
      return {
        snapshot: undefined,
        facts: [],
        state: undefined,
        notes: [`${command.type} of an unknown customer ignored`],
      };
    }
    if (
      command.type === "audience.evaluate" ||
      command.type === "membership.set" ||
      command.type === "membership.rename"
    ) {
      const { audienceId, runId } = command.data;
      return {
        snapshot: undefined,
        facts: [{ type: "membership.unchanged", data: { audienceId, runId, member: false } }],
        state: undefined,
        notes: [`${command.type} for audience ${audienceId} of an unknown customer: not a member`],
      };
    }
    const { account, customerId } = command.metadata;
    const [initial] = initialTransition(customerMachine, { account, customerId, now: at });
    return step(initial, { ...command, now: at, created: true, audiences });
  }
  const { account, customerId } = snapshot.context;
  if (account !== command.metadata.account || customerId !== command.metadata.customerId) {
    throw new Error(
      `command for ${command.metadata.account}:${command.metadata.customerId} applied to ${account}:${customerId}`,
    );
  }
  return step(restore(snapshot), { ...command, now: at, created: false, audiences });
}

/** The machine snapshot a persisted customer stands for. */
export function restore(snapshot: PersistedCustomer): MachineSnapshot {
  // Customers stored before audiences existed have no memberships yet; others are used as they are
  // (this runs for every command).
  const context = snapshot.context.memberships ? snapshot.context : { ...snapshot.context, memberships: [] };
  return customerMachine.resolveState({ value: snapshot.value, context });
}

function step(current: MachineSnapshot, event: CustomerEvent): ApplyResult {
  const [next, actions] = transition(customerMachine, current, event);
  const facts: CustomerFactDraft[] = [];
  const notes: string[] = [];
  for (const { type, params } of actions) {
    // XState types `params` as the union over all named actions; the key checks narrow it.
    if (type === "publish" && "data" in params) facts.push(params);
    else if (type === "note" && "message" in params) notes.push(params.message);
  }
  if (next.status === "done") return { snapshot: undefined, facts, state: undefined, notes };
  return {
    snapshot: { schemaVersion: PERSISTED_CUSTOMER_SCHEMA, value: "active", context: next.context },
    facts,
    state: next.context,
    notes,
  };
}
