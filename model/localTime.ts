/**
 * Calendar arithmetic in a customer's IANA time zone, with the runtime's time-zone data: what day,
 * week and time of day an instant is there, and which instant a local time is. Pure functions of
 * their arguments, so a replayed decision is the same.
 */

/** An instant as a wall clock in some time zone shows it. */
export type LocalTime = {
  /** Days since 1970-01-01 of the local calendar date. */
  day: number;
  /** Minutes since local midnight. */
  minute: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
};

const MINUTE = 60_000;
const DAY = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** The instant's wall-clock reading in `timeZone`, as if it were UTC (milliseconds, minute precision). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatOf(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
}

export function localTimeOf(instant: Date, timeZone: string): LocalTime {
  const wall = wallClock(instant.getTime(), timeZone);
  const day = Math.floor(wall / DAY);
  // 1970-01-01 was a Thursday (3, counting from Monday).
  return { day, minute: Math.round((wall - day * DAY) / MINUTE), weekday: (day + 3) % 7 };
}

/** The first day (days since 1970-01-01) of the Monday-first week holding `local`. */
export function weekOf(local: LocalTime): number {
  return local.day - local.weekday;
}

/**
 * The instant a wall clock in `timeZone` shows `minute` past midnight on local day `day`. In a
 * daylight-saving gap (a local time that never happens) it is the gap's end, the next minute that
 * does; in the hour a clock repeats, the first of the two instants.
 */
export function instantOfLocal(day: number, minute: number, timeZone: string): Date {
  const wanted = day * DAY + minute * MINUTE;
  // The zone's offsets a day either side: the two a transition that day lies between.
  const candidates = [wanted - DAY, wanted + DAY].map((probe) => wanted - (wallClock(probe, timeZone) - probe));
  const shown = candidates.filter((instant) => wallClock(instant, timeZone) === wanted);
  if (shown.length > 0) return new Date(Math.min(...shown));
  // In a gap the wall clock jumps past `wanted`: the first minute it shows more is the gap's end.
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  while (after - before > MINUTE) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE) * MINUTE;
    if (wallClock(middle, timeZone) >= wanted) after = middle;
    else before = middle;
  }
  return new Date(after);
}

/** `HH:MM` as minutes since midnight. */
export function minuteOfDay(hhmm: string): number {
  const [hours, minutes] = hhmm.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}
