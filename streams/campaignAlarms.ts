import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { z } from "zod";
import { accountIdSchema } from "../model/index.ts";
import type { NatsLink } from "./connection.ts";
import { STREAM_NAMES } from "./definitions.ts";
import { UnavailableError } from "./errors.ts";
import { jsonCodec } from "./jsonCodec.ts";
import { subjects } from "./subjects.ts";

/**
 * A scheduled campaign's start (docs/campaigns.md): a NATS message schedule on TIMERS, one per
 * campaign, firing into `tmr.campaign.fire.<account>` at `scheduledAt`, where the `scheduler` role
 * starts it. The campaign's document is the truth; the alarm only says when to look, so a late,
 * repeated or stray alarm starts nothing that is not due.
 */
const campaignAlarmSchema = z.object({
  account: accountIdSchema,
  campaignId: z.string().min(1),
  scheduledAt: z.iso.datetime(),
});
export type CampaignAlarm = z.infer<typeof campaignAlarmSchema>;

/** Fired campaign alarms are read with it. */
export const campaignAlarmCodec = jsonCodec(campaignAlarmSchema);

/** How long a fired alarm stays on TIMERS for a scheduler that is down. */
const FIRED_ALARM_TTL = "24h";

export type CampaignAlarms = {
  arm: (alarm: CampaignAlarm) => Promise<void>;
  /** Removes a pending alarm (a cancelled campaign); best effort, as a stray alarm starts nothing. */
  disarm: (account: string, campaignId: string) => Promise<void>;
};

export function createCampaignAlarms(link: NatsLink, timeoutMs = 5_000): CampaignAlarms {
  const js = jetstream(link.nc);
  return {
    async arm(alarm) {
      const schedule = {
        specification: new Date(alarm.scheduledAt),
        target: subjects.campaignFire(alarm.account),
        ttl: FIRED_ALARM_TTL,
      };
      try {
        await js.publish(subjects.campaignSchedule(alarm.account, alarm.campaignId), campaignAlarmCodec.encode(alarm), {
          schedule,
          timeout: timeoutMs,
        });
      } catch (error) {
        throw new UnavailableError(`could not schedule campaign ${alarm.campaignId} of ${alarm.account}`, {
          cause: error,
        });
      }
    },
    async disarm(account, campaignId) {
      const jsm = await jetstreamManager(link.nc);
      await jsm.streams.purge(STREAM_NAMES.timers, { filter: subjects.campaignSchedule(account, campaignId) });
    },
  };
}
