import { toDeleteBody, toTrackBody } from "./batchCalls.ts";
import type { BrazeDeletion, BrazeItem, TrackArray } from "./brazeObjects.ts";
import type { BrazeCall, BrazePlan } from "./planWindow.ts";

/** What a sync log entry needs of a track item Braze refused: whose, which array, which fact. */
export type ItemRef = Pick<BrazeItem, "type" | "customerId" | "origin">;

/** For each index of each body array, the items its object came from (see `TrackSources`). */
export type TrackRefs = Record<TrackArray, ItemRef[][]>;

/**
 * A planned call ready to send, its body already JSON: made where windows are planned
 * (windowPlans.ts), so the event loop that sends the calls neither serializes nor copies objects.
 * What it carries is asked of the planner only when Braze refuses something (`carriedBy`).
 */
export type SerializedCall = { kind: "track" | "delete"; body: string };

/** What a call carries, for the sync log: the items behind each body index, or the deletions. */
export type Carried = { kind: "track"; refs: TrackRefs } | { kind: "delete"; deletions: BrazeDeletion[] };

/**
 * A window's calls: stages, one after another; in a stage, chains that share no customer and may
 * run at once; in a chain, calls that must go in order (a customer split over several calls).
 * Calls are numbered in this order, stage by stage and chain by chain (progress records use it).
 */
export type SerializedPlan = { stages: SerializedCall[][][] };

export function serializePlan(plan: BrazePlan): SerializedPlan {
  return { stages: plan.stages.map((stage) => chainsOf(stage).map((chain) => chain.map(serializeCall))) };
}

/** The calls of a plan in the order `SerializedPlan` numbers them. */
export function callsInOrder(plan: BrazePlan): BrazeCall[] {
  return plan.stages.flatMap((stage) => chainsOf(stage).flat());
}

export function serializeCall(call: BrazeCall): SerializedCall {
  const body = call.kind === "delete" ? toDeleteBody(call.deletions) : toTrackBody(call.items).body;
  return { kind: call.kind, body: JSON.stringify(body) };
}

export function carriedBy(call: BrazeCall): Carried {
  if (call.kind === "delete") return { kind: "delete", deletions: call.deletions };
  const { sources } = toTrackBody(call.items);
  return {
    kind: "track",
    refs: {
      attributes: sources.attributes.map((items) => items.map(refOf)),
      events: sources.events.map((items) => items.map(refOf)),
      purchases: sources.purchases.map((items) => items.map(refOf)),
    },
  };
}

function refOf({ type, customerId, origin }: BrazeItem): ItemRef {
  return { type, customerId, origin };
}

/**
 * Groups a stage's calls into chains that must go one after another: a customer too big for one
 * call is split over consecutive calls, whose order matters (an audience entered, then left).
 * Different chains share no customer and may run at once.
 */
export function chainsOf(calls: readonly BrazeCall[]): BrazeCall[][] {
  const chains: BrazeCall[][] = [];
  let previous = new Set<string>();
  for (const call of calls) {
    const customers = new Set(
      call.kind === "track" ? call.items.map((i) => i.customerId) : call.deletions.map((d) => d.customerId),
    );
    const chain = chains.at(-1);
    if (chain && [...customers].some((customer) => previous.has(customer))) chain.push(call);
    else chains.push([call]);
    previous = customers;
  }
  return chains;
}
