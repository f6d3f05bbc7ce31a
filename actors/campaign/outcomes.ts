import type { MessageRecordedData } from "../../model/index.ts";
import type { CampaignOutcomes } from "../../store/index.ts";

const CAMPAIGN_SOURCE = /^campaign:(.+)$/;

/** The campaign a send came from, or undefined for a journey's or the API's. */
export function campaignOfSource(source: string): string | undefined {
  return CAMPAIGN_SOURCE.exec(source)?.[1];
}

/**
 * What recorded sends add to their campaigns' counters: SENT to `sent`, SUPPRESSED to
 * `suppressed`, FAILED and UNKNOWN (an answer lost, never retried) to `failed`; QUEUED is not an
 * outcome. Sends of no campaign are left out.
 */
export function campaignOutcomes(records: readonly MessageRecordedData[]): Map<string, CampaignOutcomes> {
  const byCampaign = new Map<string, CampaignOutcomes>();
  for (const record of records) {
    const campaignId = campaignOfSource(record.source);
    if (campaignId === undefined || record.status === "QUEUED") continue;
    const outcomes = byCampaign.get(campaignId) ?? { sent: 0, suppressed: 0, failed: 0 };
    if (record.status === "SENT") outcomes.sent += 1;
    else if (record.status === "SUPPRESSED") outcomes.suppressed += 1;
    else outcomes.failed += 1;
    byCampaign.set(campaignId, outcomes);
  }
  return byCampaign;
}
