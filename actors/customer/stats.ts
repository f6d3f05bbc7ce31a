import { CUSTOMER_BOUNDS, type EventStat } from "../../model/index.ts";

/** `daily` keeps at least this many days back from "now"; older days are pruned. */
export const DAILY_RETENTION_DAYS = 400;
/**
 * `recent` keeps this many timestamps, newest first, so "at least k times within D days" (k ≤ 100)
 * is the MongoDB filter `recent.<k-1> >= now - D`.
 */
export const RECENT_TIMESTAMPS = 100;

const DAY_MS = 86_400_000;

/** The UTC day of an ISO timestamp, `YYYY-MM-DD`. */
export function dayOf(isoTimestamp: string): string {
  return isoTimestamp.slice(0, 10);
}

/** The oldest day `daily` keeps, relative to `now`. */
export function oldestKeptDay(now: string): string {
  return dayOf(new Date(Date.parse(now) - DAILY_RETENTION_DAYS * DAY_MS).toISOString());
}

/**
 * Counts one occurrence of event `name` at `timestamp` (which may be older than events already
 * counted: `firstAt` is the earliest seen, `lastAt` the latest). Returns a new array sorted by name;
 * the counted stat's `daily` is pruned relative to `now`. A new name beyond
 * `CUSTOMER_BOUNDS.eventNames` forgets the name whose `lastAt` is oldest (the new one itself, when
 * its timestamp is older than every other's).
 *
 * @example
 * recordOccurrence([], "opened", "2026-01-02T10:00:00.000Z", "2026-01-03T00:00:00.000Z");
 * // [{ name: "opened", count: 1, firstAt: "2026-01-02T10:00:00.000Z", lastAt: "2026-01-02T10:00:00.000Z",
 * //    daily: { "2026-01-02": 1 }, recent: ["2026-01-02T10:00:00.000Z"] }]
 */
export function recordOccurrence(
  stats: readonly EventStat[],
  name: string,
  timestamp: string,
  now: string,
): EventStat[] {
  const current = stats.find((stat) => stat.name === name);
  const next = current ? countAgain(current, timestamp, now) : firstOccurrence(name, timestamp, now);
  const counted = [...stats.filter((stat) => stat !== current), next];
  const kept = counted.length > CUSTOMER_BOUNDS.eventNames ? withoutOldest(counted) : counted;
  return kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function withoutOldest(stats: EventStat[]): EventStat[] {
  const oldest = stats.reduce((found, stat) => (stat.lastAt < found.lastAt ? stat : found));
  return stats.filter((stat) => stat !== oldest);
}

function firstOccurrence(name: string, timestamp: string, now: string): EventStat {
  const day = dayOf(timestamp);
  return {
    name,
    count: 1,
    firstAt: timestamp,
    lastAt: timestamp,
    daily: day >= oldestKeptDay(now) ? { [day]: 1 } : {},
    recent: [timestamp],
  };
}

function countAgain(stat: EventStat, timestamp: string, now: string): EventStat {
  const oldest = oldestKeptDay(now);
  const daily: Record<string, number> = {};
  for (const [day, count] of Object.entries(stat.daily)) {
    if (day >= oldest) daily[day] = count;
  }
  const day = dayOf(timestamp);
  if (day >= oldest) daily[day] = (daily[day] ?? 0) + 1;
  return {
    name: stat.name,
    count: stat.count + 1,
    firstAt: timestamp < stat.firstAt ? timestamp : stat.firstAt,
    lastAt: timestamp > stat.lastAt ? timestamp : stat.lastAt,
    daily,
    recent: insertDescending(stat.recent, timestamp).slice(0, RECENT_TIMESTAMPS),
  };
}

function insertDescending(sorted: readonly string[], timestamp: string): string[] {
  const at = sorted.findIndex((existing) => existing < timestamp);
  return at === -1 ? [...sorted, timestamp] : [...sorted.slice(0, at), timestamp, ...sorted.slice(at)];
}
