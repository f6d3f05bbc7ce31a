import {
  type Campaign,
  campaignSendKey,
  campaignSource,
  type IngestCommandDraft,
  type MessagingSettings,
  type PinnedCampaignTemplate,
} from "../../model/index.ts";

/**
 * The `message.send` command asking one member's actor to send the campaign (docs/campaigns.md):
 * the actor decides consent, address, caps and quiet hours as for any send. Its id and send key
 * are the campaign's and the customer's, so a request published again (a runner taking over) is
 * stored once by INGEST, and sent at most once by the send ledger whatever happens.
 */
export function campaignSendRequest(
  campaign: Campaign,
  template: PinnedCampaignTemplate,
  audience: { id: string; name: string },
  messaging: MessagingSettings,
  customerId: string,
): IngestCommandDraft {
  const sendKey = campaignSendKey(campaign._id, customerId);
  return {
    type: "message.send",
    id: { derived: sendKey },
    data: {
      sendKey,
      channel: template.channel,
      category: template.category,
      templateId: campaign.templateId,
      templateVersion: template.version,
      source: campaignSource(campaign._id),
      variables: { campaign: { id: campaign._id, name: campaign.name }, audience },
      messaging,
    },
    metadata: { account: campaign.account, customerId },
  };
}
