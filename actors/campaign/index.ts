export { type CampaignOperationsDependencies, createCampaignOperations } from "./operations.ts";
