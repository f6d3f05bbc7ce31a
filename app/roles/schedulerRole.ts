import { startCampaignScheduler } from "../../actors/campaign/index.ts";
import { sendTopicMessage } from "../../actors/channel/index.ts";
import { createCommandPublisher } from "../../streams/index.ts";
import type { RoleContext } from "./roleContext.ts";

/** `scheduler`: campaigns, launched on time under a lease each. */
export async function startSchedulerRole({
  config,
  log,
  link,
  partitions,
  repositories,
  secrets,
  onStop,
  now,
  options,
}: RoleContext): Promise<void> {
  const scheduler = await startCampaignScheduler({
    link,
    campaigns: repositories.campaigns,
    audiences: repositories.audiences,
    members: repositories.audienceMembers,
    messagingSettings: repositories.messagingSettings,
    commands: createCommandPublisher({ link, partitions }),
    sendTopicMessage: (message) =>
      sendTopicMessage(message, {
        integrations: repositories.integrations,
        templates: repositories.templates,
        secrets,
      }),
    log,
    now,
    sweepMs: config.campaignSweepSeconds * 1_000,
    ...options.campaignTuning,
  });
  onStop(scheduler.stop);
}
