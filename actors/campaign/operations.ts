import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import {
  type Campaign,
  type CampaignOperations,
  type CampaignStatus,
  campaignNameSchema,
  MAX_PER_MINUTE_BOUNDS,
  type NewCampaign,
  NO_CAMPAIGN_PROGRESS,
  type TemplateVersion,
} from "../../model/index.ts";
import {
  type AudienceDocument,
  type Audiences,
  type CampaignDocument,
  type CampaignIssue,
  CampaignNotFoundError,
  CampaignRefusedError,
  type Campaigns,
  type Templates,
} from "../../store/index.ts";
import type { CampaignAlarms } from "../../streams/index.ts";

export type CampaignOperationsDependencies = {
  campaigns: Campaigns;
  audiences: Audiences;
  templates: Templates;
  alarms: CampaignAlarms;
  log: Logger;
  now?: () => Date;
};

/** Width of a creation time in base 36: enough for every millisecond until the year 5188. */
const TIME_WIDTH = 9;

/**
 * `cmp_<creation time, base 36, fixed width><random hex>`: ids sort as campaigns were created,
 * which is the order the store pages by (campaigns of one millisecond sort among themselves at random).
 */
const newCampaignId = (at: Date) =>
  `cmp_${at.getTime().toString(36).padStart(TIME_WIDTH, "0")}${randomBytes(8).toString("hex")}`;

const settingsSchema = z.object({
  name: campaignNameSchema,
  maxPerMinute: z
    .number()
    .int("must be an integer")
    .min(MAX_PER_MINUTE_BOUNDS.min, `must be at least ${MAX_PER_MINUTE_BOUNDS.min}`)
    .max(MAX_PER_MINUTE_BOUNDS.max, `must be at most ${MAX_PER_MINUTE_BOUNDS.max.toLocaleString("en-US")}`)
    .optional(),
});

/** The name and pace, checked: each problem names its field under `input`. */
function settingsIssues(input: NewCampaign): { issues: CampaignIssue[]; name: string } {
  const parsed = settingsSchema.safeParse({ name: input.name, maxPerMinute: input.maxPerMinute });
  if (parsed.success) return { issues: [], name: parsed.data.name };
  const issues = parsed.error.issues.map((issue) => ({
    field: ["input", ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return { issues, name: input.name };
}

/**
 * A campaign sent as one FCM topic message needs a PUSH template, and an audience whose members'
 * devices follow its topic (`pushTopic`): otherwise the topic reaches nobody.
 */
function viaPushTopicIssues(template: TemplateVersion, audience: AudienceDocument | undefined): CampaignIssue[] {
  const issue = (message: string) => ({ field: "input.viaPushTopic", message });
  const issues: CampaignIssue[] = [];
  if (template.content.channel !== "PUSH") {
    issues.push(issue(`needs a PUSH template; template ${template.templateId} is ${template.content.channel}`));
  }
  if (audience && !audience.pushTopic) {
    issues.push(issue(`needs an audience with pushTopic on; audience ${audience._id} has it off`));
  }
  return issues;
}

const refusedTransition = (campaign: Campaign, refusal: string) =>
  new CampaignRefusedError([{ field: "id", message: `campaign ${campaign._id} is ${campaign.status}: ${refusal}` }]);

const LAUNCHABLE: readonly CampaignStatus[] = ["DRAFT"];
const CANCELLABLE: readonly CampaignStatus[] = ["DRAFT", "SCHEDULED", "RUNNING"];

/**
 * The campaign mutations behind the gateway: drafts are checked and stored; a launch pins the
 * template and arms the campaign's alarm, which the `scheduler` role follows to run it.
 */
export function createCampaignOperations(deps: CampaignOperationsDependencies): CampaignOperations {
  const now = deps.now ?? (() => new Date());

  const existing = async (account: string, id: string): Promise<CampaignDocument> => {
    const campaign = await deps.campaigns.get(account, id);
    if (!campaign) throw new CampaignNotFoundError(id);
    return campaign;
  };

  /** A campaign changed by someone else between our read and our write: say what it is now. */
  const changedMeanwhile = async (account: string, id: string, refusal: string) =>
    refusedTransition(await existing(account, id), refusal);

  const liveAudience = async (account: string, audienceId: string) => {
    const audience = await deps.audiences.get(account, audienceId);
    return audience && !audience.deleting ? audience : undefined;
  };

  return {
    async create(account, input) {
      const { issues, name } = settingsIssues(input);
      const [audience, template] = await Promise.all([
        liveAudience(account, input.audienceId),
        deps.templates.version(account, input.templateId),
      ]);
      if (!audience) {
        issues.push({
          field: "input.audienceId",
          message: `audience ${input.audienceId} does not exist in the account`,
        });
      }
      if (!template) {
        issues.push({
          field: "input.templateId",
          message: `template ${input.templateId} does not exist in the account`,
        });
      } else if (input.viaPushTopic) {
        issues.push(...viaPushTopicIssues(template, audience));
      }
      if (issues.length > 0) throw new CampaignRefusedError(issues);
      const at = now();
      return deps.campaigns.create({
        _id: newCampaignId(at),
        account,
        name,
        audienceId: input.audienceId,
        templateId: input.templateId,
        scheduledAt: input.scheduledAt,
        maxPerMinute: input.maxPerMinute,
        viaPushTopic: input.viaPushTopic ?? false,
        status: "DRAFT",
        ...NO_CAMPAIGN_PROGRESS,
        createdAt: at,
        updatedAt: at,
      });
    },

    async launch(account, id) {
      const refusal = "only a DRAFT campaign can be launched";
      const campaign = await existing(account, id);
      if (!LAUNCHABLE.includes(campaign.status)) throw refusedTransition(campaign, refusal);
      const [audience, template] = await Promise.all([
        liveAudience(account, campaign.audienceId),
        deps.templates.version(account, campaign.templateId),
      ]);
      const gone: CampaignIssue[] = [];
      if (!audience) gone.push({ field: "audienceId", message: `audience ${campaign.audienceId} no longer exists` });
      if (!template) gone.push({ field: "templateId", message: `template ${campaign.templateId} no longer exists` });
      if (!audience || !template) throw new CampaignRefusedError(gone);

      const at = now();
      const ahead = campaign.scheduledAt && campaign.scheduledAt > at ? campaign.scheduledAt : undefined;
      const launched = await deps.campaigns.transition(account, id, LAUNCHABLE, {
        status: ahead ? "SCHEDULED" : "RUNNING",
        template: { version: template.version, channel: template.content.channel, category: template.category },
        launchedAt: at,
        ...(ahead ? {} : { startedAt: at, run: { phase: "snapshot", members: 0 } }),
      });
      if (!launched) throw await changedMeanwhile(account, id, refusal);

      // The status is stored before the alarm is armed: an alarm due now fires at once, and the
      // scheduler must find the campaign launched when it does. So a failed arming undoes the launch.
      try {
        await deps.alarms.arm({ account, campaignId: id, scheduledAt: (ahead ?? at).toISOString() });
      } catch (error) {
        const undone = await deps.campaigns.transition(account, id, [launched.status], { status: "DRAFT" }, [
          "template",
          "launchedAt",
          "startedAt",
          "run",
        ]);
        if (!undone) {
          deps.log.error(
            { err: error, account, campaign: id },
            "a campaign's alarm could not be armed, and the campaign moved on before its launch could be undone",
          );
        }
        throw error;
      }
      return launched;
    },

    async cancel(account, id) {
      const refusal = "a DONE, CANCELLED or FAILED campaign is final";
      const campaign = await existing(account, id);
      if (!CANCELLABLE.includes(campaign.status)) throw refusedTransition(campaign, refusal);
      const cancelled = await deps.campaigns.transition(account, id, CANCELLABLE, {
        status: "CANCELLED",
        finishedAt: now(),
      });
      if (!cancelled) throw await changedMeanwhile(account, id, refusal);
      // Its alarm would start nothing now (the scheduler reads the status first): removing it is tidiness.
      if (cancelled.launchedAt) {
        await deps.alarms.disarm(account, id).catch((error: unknown) => {
          deps.log.warn({ err: error, account, campaign: id }, "could not remove a cancelled campaign's alarm");
        });
      }
      return cancelled;
    },
  };
}
