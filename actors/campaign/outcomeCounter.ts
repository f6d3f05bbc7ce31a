import type { JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { MessageRecordedData } from "../../model/index.ts";
import type { Campaigns } from "../../store/index.ts";
import { decodeFact, followFactsInOrder, type NatsLink, type OrderedFacts } from "../../streams/index.ts";
import { campaignOfSource, campaignOutcomes } from "./outcomes.ts";

export const CAMPAIGN_OUTCOME_COUNTER = "campaign-outcome-counter";

/**
 * Follows the `message.recorded` facts on CHANGES and adds each campaign send's outcome to its
 * campaign's counters: facts at or below the campaign's `countedSeq` were counted already and are
 * skipped, so a redelivered batch counts once.
 */
export function startCampaignOutcomeCounter(deps: {
  link: NatsLink;
  campaigns: Campaigns;
  log: Logger;
}): Promise<OrderedFacts> {
  return followFactsInOrder(
    deps.link,
    CAMPAIGN_OUTCOME_COUNTER,
    "chg.*.message",
    (messages) => countBatch(messages, deps.campaigns, deps.log),
    deps.log,
  );
}

async function countBatch(messages: JsMsg[], campaigns: Campaigns, log: Logger) {
  const byCampaign = new Map<string, { seq: number; record: MessageRecordedData }[]>();
  for (const message of messages) {
    try {
      const fact = decodeFact(message.data);
      if (fact.type !== "message.recorded") continue;
      const campaignId = campaignOfSource(fact.data.source);
      if (campaignId === undefined) continue;
      const records = byCampaign.get(campaignId) ?? [];
      records.push({ seq: message.seq, record: fact.data });
      byCampaign.set(campaignId, records);
    } catch (error) {
      log.error({ err: error, seq: message.seq, subject: message.subject }, "unreadable message fact skipped");
    }
  }
  for (const [campaignId, records] of byCampaign) {
    const campaign = await campaigns.byId(campaignId);
    if (!campaign) {
      log.warn({ campaign: campaignId, sends: records.length }, "outcomes of an unknown campaign not counted");
      continue;
    }
    const fresh = records.filter(({ seq }) => seq > campaign.countedSeq).map(({ record }) => record);
    if (fresh.length === 0) continue;
    const outcomes = campaignOutcomes(fresh).get(campaignId) ?? { sent: 0, suppressed: 0, failed: 0 };
    const throughSeq = Math.max(...records.map(({ seq }) => seq));
    if (!(await campaigns.count(campaignId, outcomes, campaign.countedSeq, throughSeq))) {
      throw new Error(`campaign ${campaignId}: its counters moved while this batch was counted; counting it again`);
    }
  }
}
