import { type Campaign, FINAL_CAMPAIGN_STATUSES } from "../model/index.ts";
import { CampaignNotFoundError, type Campaigns } from "../store/index.ts";
import { builder } from "./builder.ts";
import { CampaignRef } from "./campaign.ts";
import { callerAccount } from "./context.ts";
import { orGraphQLError } from "./errors.ts";

/** How often a campaign is read again for `campaignProgress`. */
const CAMPAIGN_PROGRESS_INTERVAL_MS = 500;

/** What a subscriber sees move: its status and counters. */
const progressOf = (campaign: Campaign) =>
  [
    campaign.status,
    campaign.run?.members,
    campaign.targeted,
    campaign.sent,
    campaign.suppressed,
    campaign.failed,
  ].join();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The campaign as it is, then again each time its progress moved, until it is final. The
 * counters are written by whichever process runs it, so the store is read again at an interval
 * rather than listened to.
 */
async function* progress(campaigns: Campaigns, first: Campaign): AsyncGenerator<Campaign> {
  let shown = first;
  yield shown;
  while (!FINAL_CAMPAIGN_STATUSES.includes(shown.status)) {
    await pause(CAMPAIGN_PROGRESS_INTERVAL_MS);
    const current = await campaigns.get(shown.account, shown._id);
    if (!current) throw new Error(`campaign ${shown._id} of ${shown.account} disappeared while followed`);
    if (progressOf(current) === progressOf(shown)) continue;
    shown = current;
    yield shown;
  }
}

builder.subscriptionField("campaignProgress", (t) =>
  t.field({
    type: CampaignRef,
    description: `ADMIN: the campaign at once, then each time its status or counters change (read every ${CAMPAIGN_PROGRESS_INTERVAL_MS} ms), over SSE; ends after a final status (DONE, CANCELLED, FAILED)`,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) =>
      orGraphQLError(async () => {
        const account = callerAccount(context);
        const id = String(args.id);
        const campaign = await context.services.campaigns.get(account, id);
        if (!campaign) throw new CampaignNotFoundError(id);
        return progress(context.services.campaigns, campaign);
      }),
    resolve: (campaign) => campaign,
  }),
);
