/**
 * ISO-8601 date-times as Braze reads them, plus its own `yyyy-MM-dd'T'HH:mm:ss:SSSZ` (a colon
 * before the milliseconds). A time without a zone is UTC.
 */
const TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.:](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch milliseconds of a Braze time string, or undefined when it is not one. */
export function parseBrazeTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  return isoTime(value) ?? matchedTime(value);
}

/**
 * `yyyy-MM-ddTHH:mm:ss.SSSZ`, as `Date.prototype.toISOString` writes it and nearly every call sends
 * it, read by position: the pattern's match costs several strings for each object of a benchmark's
 * million. Any other form, or an impossible date in this one, is left to the pattern.
 */
function isoTime(value: string): number | undefined {
  if (value.length !== 24) return undefined;
  for (const [at, code] of ISO_MARKS) if (value.charCodeAt(at) !== code) return undefined;
  const number = (from: number, to: number) => {
    let n = 0;
    for (let i = from; i < to; i++) {
      const digit = value.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return Number.NaN;
      n = n * 10 + digit;
    }
    return n;
  };
  return utcTime(
    number(0, 4),
    number(5, 7),
    number(8, 10),
    number(11, 13),
    number(14, 16),
    number(17, 19),
    number(20, 23),
  );
}

/** The characters between (and after) the fields of that form, and where each stands. */
const ISO_MARKS: readonly (readonly [at: number, code: number])[] = (
  [
    [4, "-"],
    [7, "-"],
    [10, "T"],
    [13, ":"],
    [16, ":"],
    [19, "."],
    [23, "Z"],
  ] as const
).map(([at, mark]) => [at, mark.charCodeAt(0)] as const);

function matchedTime(value: string): number | undefined {
  const match = TIME.exec(value.trim());
  if (match === null) return undefined;
  const millis = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  const time = utcTime(
    Number(match[1]),
    Number(match[2]),
    Number(match[3]),
    Number(match[4] ?? 0),
    Number(match[5] ?? 0),
    Number(match[6] ?? 0),
    millis,
  );
  return time === undefined ? undefined : time - zoneOffsetMs(match[8] ?? "Z");
}

/** The UTC time of these fields, or undefined when they name no time (a 13th month, 31 February…). */
function utcTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number | undefined {
  // Written so that a NaN (a field that is no number) fails each test.
  if (!(year >= 0 && month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59 && millis >= 0)) {
    return undefined;
  }
  if (!(day >= 1 && day <= daysInMonth(year, month))) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
}

/** `Z`, `+02`, `+0200` or `+02:00` as milliseconds east of UTC. */
function zoneOffsetMs(zone: string): number {
  if (zone === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || "0");
  return sign * (hours * 60 + minutes) * 60_000;
}
