import { instantOfLocal, localTimeOf } from "../../model/index.ts";
import type { DelayStep } from "../../rules/index.ts";
import { valueAt } from "./valueAt.ts";

/** What a delay's deadline may read besides the clock. */
export type DelayContext = {
  now: Date;
  /** The customer's IANA time zone (its own, else the account's, else UTC). */
  timeZone: string;
  /** `untilDate` refs: the entry event's properties and the customer's attributes. */
  entryProperties: Record<string, unknown> | undefined;
  attributes: Record<string, unknown>;
};

/**
 * When a delay that starts now ends. A date already past, or a ref that holds no date, ends it
 * at once (`now`): the instance goes on rather than waiting for a time that will not come.
 */
export function delayDeadline(step: DelayStep, context: DelayContext): Date {
  if ("seconds" in step) return new Date(context.now.getTime() + step.seconds * 1_000);
  if ("untilLocalTime" in step) return nextLocalTime(step.untilLocalTime, context.now, context.timeZone);
  const date = typeof step.untilDate === "string" ? step.untilDate : refValue(step.untilDate.ref, context);
  const instant = typeof date === "string" ? Date.parse(date) : Number.NaN;
  return Number.isNaN(instant) || instant < context.now.getTime() ? context.now : new Date(instant);
}

/**
 * The next instant after `now` at which the wall clock in `timeZone` shows `hour:minute`: today's
 * if it is still to come, else tomorrow's. A time a daylight-saving gap skips is the instant just
 * after the gap; in the hour a clock repeats, the first of the two.
 */
export function nextLocalTime(time: { hour: number; minute?: number }, now: Date, timeZone: string): Date {
  const minute = time.hour * 60 + (time.minute ?? 0);
  const today = localTimeOf(now, timeZone).day;
  const candidate = instantOfLocal(today, minute, timeZone);
  return candidate.getTime() > now.getTime() ? candidate : instantOfLocal(today + 1, minute, timeZone);
}

/** `entry.<path>` reads the entry event's properties, `attributes.<path>` the customer's. */
function refValue(ref: string, context: DelayContext): unknown {
  const [root = "", ...path] = ref.split(".");
  const sources: Record<string, unknown> = { entry: context.entryProperties, attributes: context.attributes };
  return valueAt(sources[root], path.join("."));
}
