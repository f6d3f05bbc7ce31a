import { PROFILE_FIELDS } from "../model/index.ts";
import type { EventCount, Rule, TimeWindow } from "./ruleSchema.ts";

/** A plain MongoDB filter over the stored customer document. */
export type Filter = { [key: string]: unknown };

const MINUTE = 60_000;

/** Rule PATH → document path: profile fields live under `profile`, the rest is `attributes.…`. */
export function documentPath(path: string): string {
  return (PROFILE_FIELDS as readonly string[]).includes(path) ? `profile.${path}` : path;
}

/** How long a rule's time window is, in milliseconds. */
export function windowMs(window: TimeWindow): number {
  const minutes = "days" in window ? window.days * 1440 : "hours" in window ? window.hours * 60 : window.minutes;
  return minutes * MINUTE;
}

export function windowStart(window: TimeWindow, now: Date): string {
  return new Date(now.getTime() - windowMs(window)).toISOString();
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** At least `k` occurrences since `since`: the k-th newest timestamp (recent is newest first) is in the window. */
function atLeast(name: string, k: number, since: string): Filter {
  return { stats: { $elemMatch: { name, [`recent.${k - 1}`]: { $gte: since } } } };
}

function eventCount(name: string, count: EventCount, since: string): Filter {
  if ("gte" in count) return atLeast(name, count.gte, since);
  if ("lte" in count) return { $nor: [atLeast(name, count.lte + 1, since)] };
  return { $and: [atLeast(name, count.eq, since), { $nor: [atLeast(name, count.eq + 1, since)] }] };
}

/** The filter of one `op`/`value` comparison on a document field, for audience attributes and event properties alike. */
export function fieldFilter(field: string, op: string, value: unknown): Filter {
  switch (op) {
    case "exists":
      return { [field]: { $exists: value } };
    case "contains":
      if (typeof value === "string") {
        return {
          $or: [
            { [field]: { $elemMatch: { $eq: value } } },
            { [field]: { $regex: escapeRegex(value), $not: { $type: "array" } } },
          ],
        };
      }
      return { [field]: { $elemMatch: { $eq: value } } };
    default:
      return { [field]: { [`$${op}`]: value } };
  }
}

/**
 * Compiles a validated rule into one MongoDB filter; relative time windows are resolved against `now`.
 * The same object is run by MongoDB (recalculation) and by mingo in memory (real time).
 */
export function compileRule(rule: Rule, now: Date): Filter {
  if ("all" in rule) return { $and: rule.all.map((r) => compileRule(r, now)) };
  if ("any" in rule) return { $or: rule.any.map((r) => compileRule(r, now)) };
  if ("not" in rule) return { $nor: [compileRule(rule.not, now)] };
  if ("attribute" in rule) return fieldFilter(documentPath(rule.attribute), rule.op, rule.value);
  if ("tag" in rule) return { tags: rule.tag };
  if ("consent" in rule) return { [`consent.${rule.consent}`]: "GRANTED" };
  if ("hasDevice" in rule) return { "devices.0": { $exists: rule.hasDevice } };
  if ("notWithin" in rule) {
    const since = windowStart(rule.notWithin, now);
    return { $nor: [{ stats: { $elemMatch: { name: rule.event, lastAt: { $gte: since } } } }] };
  }
  const since = windowStart(rule.within, now);
  if (rule.count) return eventCount(rule.event, rule.count, since);
  return { stats: { $elemMatch: { name: rule.event, lastAt: { $gte: since } } } };
}
