import {
  type BrazeAttributes,
  type BrazeAttributesItem,
  type BrazeDeletion,
  type BrazeEvent,
  type BrazeEventItem,
  type BrazeItem,
  type BrazePurchase,
  type BrazePurchaseItem,
  TRACK_ARRAYS,
  type TrackArray,
} from "./brazeObjects.ts";

/** Objects per `/users/track` call: per array (`PER_TYPE`, legacy accounts) or in all (`COMBINED`). */
export const TRACK_CALL_LIMIT = 75;
/** External ids per `/users/delete` call. */
export const DELETE_CALL_LIMIT = 50;

export type BatchMode = "PER_TYPE" | "COMBINED";

export type TrackBody = { attributes?: BrazeAttributes[]; events?: BrazeEvent[]; purchases?: BrazePurchase[] };

/**
 * For each index of each body array, the items its object came from: one, or several when
 * attributes were merged. Braze's `errors[].input_array` and `index` point here (`itemsOfError`).
 */
export type TrackSources = {
  attributes: BrazeAttributesItem[][];
  events: BrazeEventItem[][];
  purchases: BrazePurchaseItem[][];
};

/**
 * One body object: an event, a purchase, or a run of attributes objects merged into one.
 *
 * Merging is worth it. Braze only says it *generally* processes a request's objects in order, so
 * two objects for one user in one call (entered then left an audience) could land in either
 * order; merged, the later value wins by construction. A key written twice costs one data point,
 * not two, and fewer objects mean fewer calls under the 75 limit. A customer's upsert, tags and
 * memberships from one command arrive as adjacent facts, so they become one object. The price:
 * Braze refusing the merged object (a bad email) refuses all its parts, so an error maps to every
 * merged item, and none is lost silently. Only adjacent objects with the same
 * `_update_existing_only` merge: merging across an event would move attributes before it, and
 * merging an update-only object into an upsert would let it create the user.
 */
type TrackUnit =
  | { type: "attributes"; items: [BrazeAttributesItem, ...BrazeAttributesItem[]] }
  | { type: "events"; item: BrazeEventItem }
  | { type: "purchases"; item: BrazePurchaseItem };

type Counts = Record<TrackArray, number>;
type PlannedCall = { items: BrazeItem[]; counts: Counts };

/** Calls still taking customers; older ones are closed, so planning stays linear. */
const OPEN_CALLS = 16;

/**
 * Groups items into `/users/track` calls. Each customer's items stay together and in order in one
 * call; only a customer with more than one call's worth is split, over consecutive calls in order
 * (send those calls one after the other). Customers go first-fit into the open calls, so in
 * `PER_TYPE` a call whose events are full still takes customers with attributes or purchases
 * only, up to 75 of each.
 *
 * @example
 * for (const call of planTrackCalls(items, "PER_TYPE")) {
 *   const { body, sources } = toTrackBody(call);
 *   // POST body; map each errors[] entry with itemsOfError(sources, error)
 * }
 */
export function planTrackCalls(items: readonly BrazeItem[], mode: BatchMode): BrazeItem[][] {
  const calls: PlannedCall[] = [];
  const open: PlannedCall[] = [];
  for (const customerItems of itemsPerCustomer(items)) {
    const units = trackUnits(customerItems);
    const need = countUnits(units);
    const home = open.find((call) => fits(call.counts, need, mode));
    if (home) {
      addUnits(home, units);
      if (isFull(home.counts, mode)) open.splice(open.indexOf(home), 1);
    } else {
      for (const chunk of chunks(units, mode)) {
        const call: PlannedCall = { items: [], counts: noCounts() };
        addUnits(call, chunk);
        calls.push(call);
        if (!isFull(call.counts, mode)) open.push(call);
      }
      if (open.length > OPEN_CALLS) open.splice(0, open.length - OPEN_CALLS);
    }
  }
  return calls.map((call) => call.items);
}

/**
 * The body of one call, attributes merged as `TrackUnit` explains, with the items behind each
 * index. Arrays left empty are left out.
 */
export function toTrackBody(call: readonly BrazeItem[]): { body: TrackBody; sources: TrackSources } {
  const sources: TrackSources = { attributes: [], events: [], purchases: [] };
  for (const unit of trackUnits(call)) {
    if (unit.type === "attributes") sources.attributes.push(unit.items);
    else if (unit.type === "events") sources.events.push([unit.item]);
    else sources.purchases.push([unit.item]);
  }
  return { body: trackBodyOf(call), sources };
}

/** The body of `toTrackBody` alone, for sending: the sources are needed only when Braze refuses something. */
export function trackBodyOf(call: readonly BrazeItem[]): TrackBody {
  const attributes: BrazeAttributes[] = [];
  const events: BrazeEvent[] = [];
  const purchases: BrazePurchase[] = [];
  for (const unit of trackUnits(call)) {
    if (unit.type === "attributes") {
      const [first, ...rest] = unit.items;
      attributes.push(
        rest.length === 0 ? first.object : mergeAttributes([first.object, ...rest.map((item) => item.object)]),
      );
    } else if (unit.type === "events") {
      events.push(unit.item.object);
    } else {
      purchases.push(unit.item.object);
    }
  }
  return {
    ...(attributes.length > 0 ? { attributes } : {}),
    ...(events.length > 0 ? { events } : {}),
    ...(purchases.length > 0 ? { purchases } : {}),
  };
}

/** An entry of a `/users/track` answer's `errors`. */
export type BrazeTrackError = { type?: string; input_array?: string; index?: number };

/** The items (or what is kept of them) a Braze error is about; none when it names no index we sent. */
export function itemsOfError<S extends Record<TrackArray, readonly (readonly unknown[])[]>>(
  sources: S,
  error: BrazeTrackError,
): S[TrackArray][number][number][] {
  const { input_array: array, index } = error;
  if (index === undefined || !(TRACK_ARRAYS as readonly (string | undefined)[]).includes(array)) return [];
  return [...(sources[array as TrackArray][index] ?? [])];
}

/**
 * Attributes objects of one user as one: later values win, key by key. Nested objects are
 * replaced whole, as Braze does with a nested attribute sent again.
 */
export function mergeAttributes(objects: readonly [BrazeAttributes, ...BrazeAttributes[]]): BrazeAttributes {
  const [first, ...rest] = objects;
  // fromEntries and spread define own properties: a "__proto__" attribute stays data.
  return { ...first, ...Object.fromEntries(rest.flatMap((object) => Object.entries(object))) };
}

/**
 * Groups deletions into `/users/delete` calls of at most 50 distinct ids. A customer deleted twice
 * keeps both entries (each origin gets its outcome), in the call of its first: build the body
 * with `toDeleteBody`, which sends each id once.
 */
export function planDeleteCalls(deletions: readonly BrazeDeletion[]): BrazeDeletion[][] {
  const calls: { deletions: BrazeDeletion[]; ids: Set<string> }[] = [];
  const callOf = new Map<string, { deletions: BrazeDeletion[]; ids: Set<string> }>();
  for (const deletion of deletions) {
    let call = callOf.get(deletion.customerId) ?? calls.at(-1);
    if (!call || (!call.ids.has(deletion.customerId) && call.ids.size === DELETE_CALL_LIMIT)) {
      call = { deletions: [], ids: new Set() };
      calls.push(call);
    }
    call.ids.add(deletion.customerId);
    call.deletions.push(deletion);
    callOf.set(deletion.customerId, call);
  }
  return calls.map((call) => call.deletions);
}

/** The `/users/delete` body for one planned call: each id once, in order. */
export function toDeleteBody(call: readonly BrazeDeletion[]): { external_ids: string[] } {
  return { external_ids: [...new Set(call.map((deletion) => deletion.customerId))] };
}

/** Items per customer, customers in order of first appearance, each customer's items in order. */
function itemsPerCustomer(items: readonly BrazeItem[]): BrazeItem[][] {
  const groups = new Map<string, BrazeItem[]>();
  for (const item of items) {
    const group = groups.get(item.customerId);
    if (group) group.push(item);
    else groups.set(item.customerId, [item]);
  }
  return [...groups.values()];
}

/** The body objects items make, in order: adjacent mergeable attributes objects make one. */
function trackUnits(items: readonly BrazeItem[]): TrackUnit[] {
  const units: TrackUnit[] = [];
  for (const item of items) {
    const last = units.at(-1);
    if (item.type === "attributes") {
      const previous = last?.type === "attributes" ? last.items.at(-1) : undefined;
      if (last?.type === "attributes" && previous && mergeable(previous, item)) last.items.push(item);
      else units.push({ type: "attributes", items: [item] });
    } else if (item.type === "events") {
      units.push({ type: "events", item });
    } else {
      units.push({ type: "purchases", item });
    }
  }
  return units;
}

function mergeable(previous: BrazeAttributesItem, next: BrazeAttributesItem): boolean {
  return (
    previous.customerId === next.customerId &&
    (previous.object._update_existing_only === true) === (next.object._update_existing_only === true)
  );
}

/** Units in order, cut into runs that each fit one empty call. */
function chunks(units: readonly TrackUnit[], mode: BatchMode): TrackUnit[][] {
  const result: TrackUnit[][] = [];
  let current: TrackUnit[] = [];
  let counts = noCounts();
  for (const unit of units) {
    const need = countUnits([unit]);
    if (current.length > 0 && !fits(counts, need, mode)) {
      result.push(current);
      current = [];
      counts = noCounts();
    }
    current.push(unit);
    counts = added(counts, need);
  }
  if (current.length > 0) result.push(current);
  return result;
}

function addUnits(call: PlannedCall, units: readonly TrackUnit[]): void {
  for (const unit of units) {
    if (unit.type === "attributes") call.items.push(...unit.items);
    else call.items.push(unit.item);
  }
  call.counts = added(call.counts, countUnits(units));
}

function countUnits(units: readonly TrackUnit[]): Counts {
  const counts = noCounts();
  for (const unit of units) counts[unit.type] += 1;
  return counts;
}

function fits(counts: Counts, need: Counts, mode: BatchMode): boolean {
  if (mode === "COMBINED") return total(counts) + total(need) <= TRACK_CALL_LIMIT;
  return (
    counts.attributes + need.attributes <= TRACK_CALL_LIMIT &&
    counts.events + need.events <= TRACK_CALL_LIMIT &&
    counts.purchases + need.purchases <= TRACK_CALL_LIMIT
  );
}

function isFull(counts: Counts, mode: BatchMode): boolean {
  return mode === "COMBINED"
    ? total(counts) >= TRACK_CALL_LIMIT
    : TRACK_ARRAYS.every((array) => counts[array] >= TRACK_CALL_LIMIT);
}

function added(a: Counts, b: Counts): Counts {
  return { attributes: a.attributes + b.attributes, events: a.events + b.events, purchases: a.purchases + b.purchases };
}

function total(counts: Counts): number {
  return counts.attributes + counts.events + counts.purchases;
}

function noCounts(): Counts {
  return { attributes: 0, events: 0, purchases: 0 };
}
