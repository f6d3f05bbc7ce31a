import { createHash } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { z } from "zod";
import { accountIdSchema, customerIdSchema } from "../model/index.ts";
import type { NatsLink } from "./connection.ts";
import { UnavailableError } from "./errors.ts";
import { jsonCodec } from "./jsonCodec.ts";
import { subjects } from "./subjects.ts";

/**
 * A customer's alarm: when it fires, the customer is woken (`customer.wake`). One pending alarm
 * per customer, a NATS message schedule on TIMERS (DESIGN.md §3): arming it again replaces the
 * last, so only the earliest deadline is ever pending.
 */
const alarmSchema = z.object({
  account: accountIdSchema,
  customerId: customerIdSchema,
  dueAt: z.iso.datetime(),
});
export type Alarm = z.infer<typeof alarmSchema>;

/** Fired alarms are read with it; decoding throws on anything else (TIMERS is written by Masivo alone). */
export const alarmCodec = jsonCodec(alarmSchema);

/** How long a fired alarm stays on TIMERS for the relay to read, when the relay is down. */
const FIRED_ALARM_TTL = "24h";

export type AlarmPublisher = { arm: (alarm: Alarm, partition: number) => Promise<void> };

export function createAlarmPublisher(link: NatsLink, timeoutMs = 5_000): AlarmPublisher {
  const js = jetstream(link.nc);
  return {
    async arm(alarm, partition) {
      const subject = subjects.timerSchedule(alarm.account, partition, alarmIdOf(alarm.customerId));
      const schedule = {
        specification: new Date(alarm.dueAt),
        target: subjects.timerFire(alarm.account, partition),
        ttl: FIRED_ALARM_TTL,
      };
      try {
        await js.publish(subject, alarmCodec.encode(alarm), { schedule, timeout: timeoutMs });
      } catch (error) {
        throw new UnavailableError(`could not arm the alarm of ${alarm.account}:${alarm.customerId}`, {
          cause: error,
        });
      }
    },
  };
}

/** The subject token of a customer's alarm: customer ids may hold any character, subjects may not. */
function alarmIdOf(customerId: string): string {
  return createHash("sha256").update(customerId).digest("base64url");
}
