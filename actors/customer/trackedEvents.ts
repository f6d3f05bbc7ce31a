import {
  type CustomerState,
  cancelPropertiesSchema,
  type EventStat,
  fulfillPropertiesSchema,
  type IngestCommand,
  isInternalEvent,
  type JsonObject,
  reversePropertiesSchema,
} from "../../model/index.ts";
import { fulfillOrder, type OrderOutcome, undoOrder } from "./orders.ts";
import type { CommandOutcome } from "./outcomes.ts";
import { RECENT_EVENT_IDS, type Step } from "./state.ts";
import { recordOccurrence } from "./stats.ts";

export type TrackEventCommand = Extract<IngestCommand, { type: "event.track" }>;

/** The event id under which REGISTRATION is recorded. */
export const REGISTRATION_EVENT_ID = "registration";

/** When the event happened: its own timestamp, or when it was accepted. Normalised by `toISOString()`. */
export function eventTimestamp(command: TrackEventCommand): string {
  const given = command.data.timestamp === undefined ? Number.NaN : Date.parse(command.data.timestamp);
  return new Date(Number.isNaN(given) ? Date.parse(command.metadata.acceptedAt) : given).toISOString();
}

/** Whether an event with this id was applied recently (beyond JetStream's duplicate window, too). */
function isDuplicateEvent(state: CustomerState, eventId: string): boolean {
  return state.recentEventIds.includes(eventId);
}

/** Counts an event in the stats and describes it in an `event.recorded` fact. */
export function recordEvent(
  state: CustomerState,
  event: { eventId: string; name: string; timestamp: string; properties: JsonObject },
  now: string,
): Step {
  const stats = recordOccurrence(state.stats, event.name, event.timestamp, now);
  return {
    state: { ...state, stats },
    facts: [
      {
        type: "event.recorded",
        data: {
          eventId: event.eventId,
          name: event.name,
          timestamp: event.timestamp,
          properties: structuredClone(event.properties),
          internal: isInternalEvent(event.name),
        },
      },
    ],
    outcomes: forgottenNames(state.stats, stats, event.name).map((name) => ({ type: "eventStatsForgotten", name })),
  };
}

/** The event name counting `counted` made `before` forget to stay within its bound (see stats.ts). */
function forgottenNames(before: readonly EventStat[], after: readonly EventStat[], counted: string): string[] {
  if (after.length > before.length || before.some((stat) => stat.name === counted)) return [];
  const kept = new Set(after.map((stat) => stat.name));
  return [...before.map((stat) => stat.name), counted].filter((name) => !kept.has(name));
}

/** REGISTRATION, recorded once, when the customer is created. */
export function recordRegistration(state: CustomerState, now: string): Step {
  return recordEvent(
    state,
    { eventId: REGISTRATION_EVENT_ID, name: "REGISTRATION", timestamp: now, properties: {} },
    now,
  );
}

/**
 * Applies a tracked event: counts it and, for FULFILL, REVERSE and CANCEL, updates the orders and
 * decides the purchase. An event id applied recently changes nothing. An order event that changes
 * no order (an order fulfilled twice, undoing an unknown or fully undone order) is not counted
 * either: it only has an outcome. TIER_ADJUSTMENT is only recorded: the seeds do not say what its
 * properties hold, so it does not set `profile.tier`.
 */
export function trackEvent(state: CustomerState, command: TrackEventCommand, now: string): Step {
  const eventId = command.metadata.commandId;
  if (isDuplicateEvent(state, eventId)) return { state, facts: [], outcomes: [{ type: "duplicateEvent", eventId }] };
  const remembered = { ...state, recentEventIds: rememberEventId(state.recentEventIds, eventId) };
  const timestamp = eventTimestamp(command);
  const { name, properties } = command.data;
  const { outcome, outcomes } = applyToOrders(remembered, name, properties, timestamp, eventId);
  if (outcome && !outcome.purchase) return { state: remembered, facts: [], outcomes };

  const recorded = recordEvent(
    outcome ? { ...remembered, orders: outcome.orders } : remembered,
    { eventId, name, timestamp, properties },
    now,
  );
  if (outcome?.purchase) recorded.facts.push({ type: "purchase.recorded", data: outcome.purchase });
  return { ...recorded, outcomes: [...outcomes, ...recorded.outcomes] };
}

/** The order outcome of an order event (none for any other event, or a malformed one). */
function applyToOrders(
  state: CustomerState,
  name: string,
  properties: JsonObject,
  timestamp: string,
  eventId: string,
): { outcome?: OrderOutcome; outcomes: CommandOutcome[] } {
  let outcome: OrderOutcome | undefined;
  if (name === "FULFILL") {
    const parsed = fulfillPropertiesSchema.safeParse(properties);
    if (parsed.success) outcome = fulfillOrder(state.orders, parsed.data, timestamp);
  } else if (name === "REVERSE") {
    const parsed = reversePropertiesSchema.safeParse(properties);
    if (parsed.success) outcome = undoOrder(state.orders, parsed.data, "REVERSE", timestamp);
  } else if (name === "CANCEL") {
    const parsed = cancelPropertiesSchema.safeParse(properties);
    if (parsed.success) outcome = undoOrder(state.orders, { orderId: parsed.data.orderId }, "CANCEL", timestamp);
  } else {
    return { outcomes: [] };
  }
  // The gateway validates these properties; a malformed one (older data) still counts as an event.
  return outcome
    ? { outcome, outcomes: outcome.outcomes }
    : { outcomes: [{ type: "malformedOrderEvent", name, eventId }] };
}

/** Appends an id, keeping the last `RECENT_EVENT_IDS`. */
export function rememberEventId(ids: readonly string[], eventId: string): string[] {
  const next = [...ids, eventId];
  return next.length > RECENT_EVENT_IDS ? next.slice(next.length - RECENT_EVENT_IDS) : next;
}
