export { type CampaignOperationsDependencies, createCampaignOperations } from "./operations.ts";
export { campaignOfSource, campaignOutcomes } from "./outcomes.ts";
export { nextRequests, type PaceDecision, type PaceInput } from "./pace.ts";
export {
  CAMPAIGN_ALARMS_CONSUMER,
  type CampaignScheduler,
  type CampaignSchedulerOptions,
  startCampaignScheduler,
} from "./scheduler.ts";
