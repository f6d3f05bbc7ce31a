import { toDeleteBody, toTrackBody, trackBodyOf } from "../batchCalls.ts";
import type { BrazeDeletion, BrazeItem, TrackArray } from "../brazeObjects.ts";
import type { BrazeCall, BrazePlan } from "./windowCalls.ts";

/** What a sync log entry needs of a track item Braze refused: whose, which array, which fact. */
export type ItemRef = Pick<BrazeItem, "type" | "customerId" | "origin">;

/** For each index of each body array, the items its object came from (see `TrackSources`). */
export type TrackRefs = Record<TrackArray, ItemRef[][]>;

/**
 * A planned call ready to send, its body already JSON: made where windows are planned
 * (plannedWindows.ts), so the event loop that sends the calls neither serializes nor copies objects.
 * `customers` are those it is about: a customer's calls go one after another, in plan order. What
 * it carries is asked of the planner only when Braze refuses something (`carriedBy`).
 */
export type SerializedCall = { kind: "track" | "delete"; body: string; customers: string[] };

/** What a call carries, for the sync log: the items behind each body index, or the deletions. */
export type Carried = { kind: "track"; refs: TrackRefs } | { kind: "delete"; deletions: BrazeDeletion[] };

/**
 * A window's calls in plan order, which numbers them (progress records use it): the stages of
 * `BrazePlan` one after another. Calls that share no customer may go at once.
 */
export type SerializedPlan = { calls: SerializedCall[] };

export function serializePlan(plan: BrazePlan): SerializedPlan {
  return { calls: callsInOrder(plan).map(serializeCall) };
}

/** The calls of a plan in the order `SerializedPlan` numbers them. */
export function callsInOrder(plan: BrazePlan): BrazeCall[] {
  return plan.stages.flat();
}

export function serializeCall(call: BrazeCall): SerializedCall {
  const body = call.kind === "delete" ? toDeleteBody(call.deletions) : trackBodyOf(call.items);
  const customers = call.kind === "delete" ? call.deletions : call.items;
  return { kind: call.kind, body: JSON.stringify(body), customers: [...new Set(customers.map((c) => c.customerId))] };
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
