import { z } from "zod";
import { channelSchema } from "./channel.ts";

/** An IANA time zone this runtime knows (`Europe/Madrid`, `America/New_York`, `UTC`). */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, { message: "must be an IANA time zone, e.g. Europe/Madrid" });

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A local time of day, `HH:MM` on a 24-hour clock. */
export const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM, 00:00 to 23:59");

export const QUIET_HOURS_ACTIONS = ["DEFER", "DROP"] as const;

/**
 * No marketing message is sent between `start` and `end` local time (the window may cross
 * midnight): DEFER sends it at `end`, DROP suppresses it (QUIET_HOURS).
 */
export const quietHoursSchema = z
  .object({ start: localTimeSchema, end: localTimeSchema, action: z.enum(QUIET_HOURS_ACTIONS) })
  .refine((hours) => hours.start !== hours.end, { message: "start and end must differ", path: ["end"] });
export type QuietHours = z.infer<typeof quietHoursSchema>;

export const CAP_PERIODS = ["DAY", "WEEK"] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

/**
 * At most `max` marketing messages per calendar day or week (Monday first) in the customer's local
 * time, on one channel or (channel null) on all of them together.
 */
export const capSchema = z.object({
  channel: channelSchema.nullable(),
  max: z.number().int().min(0).max(1_000),
  per: z.enum(CAP_PERIODS),
});
export type Cap = z.infer<typeof capSchema>;

/** An account's caps and quiet hours (`configureMessaging`), applied by the customer actor to each marketing send. */
export const messagingSettingsSchema = z.object({
  /** The time zone of customers who have none; UTC when unset. */
  timezone: timeZoneSchema.optional(),
  quietHours: quietHoursSchema.optional(),
  caps: z.array(capSchema).max(20),
});
export type MessagingSettings = z.infer<typeof messagingSettingsSchema>;

export const NO_MESSAGING_RULES: MessagingSettings = { caps: [] };
