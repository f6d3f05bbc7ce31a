import { GraphQLError } from "graphql";
import { z } from "zod";
import { CAMPAIGN_STATUSES, type Campaign } from "../model/index.ts";
import { AudienceRef } from "./audience.ts";
import { builder } from "./builder.ts";
import { CampaignInputRef, parseCampaignInput } from "./campaignInput.ts";
import { connectionRef, pageOf, pageSizeSchema } from "./connection.ts";
import { callerAccount } from "./context.ts";
import { orGraphQLError, parseArgument } from "./errors.ts";
import { pagedBy } from "./listSize.ts";
import { TemplateRef, viewOf } from "./template.ts";

export const CampaignStatusRef = builder.enumType("CampaignStatus", {
  description:
    "DRAFT: not launched; SCHEDULED: launched, waits for scheduledAt; RUNNING: sending; DONE: every member asked for, every outcome counted; CANCELLED; FAILED: could not go on (failure says why). The last three are final",
  values: CAMPAIGN_STATUSES,
});

/** What a campaign's references became: gone only when removed behind its back (docs/campaigns.md). */
const goneError = (campaign: Campaign, what: string) =>
  new GraphQLError(`campaign ${campaign._id}: its ${what} no longer exists`, { extensions: { code: "NOT_FOUND" } });

export const CampaignRef = builder.objectRef<Campaign>("Campaign").implement({
  description: "A one-shot send of one template to the members of an audience (docs/campaigns.md)",
  fields: (t) => ({
    id: t.exposeID("_id"),
    name: t.exposeString("name"),
    status: t.expose("status", { type: CampaignStatusRef }),
    audience: t.field({
      type: AudienceRef,
      resolve: async (campaign, _args, context) => {
        const audience = await context.services.audiences.get(campaign.account, campaign.audienceId);
        if (!audience) throw goneError(campaign, `audience ${campaign.audienceId}`);
        return audience;
      },
    }),
    template: t.field({
      type: TemplateRef,
      description: "The version pinned at launch; before it, the template's latest",
      resolve: async (campaign, _args, context) => {
        const version = campaign.template?.version;
        const found = await context.services.templates.version(campaign.account, campaign.templateId, version);
        if (!found) throw goneError(campaign, `template ${campaign.templateId}`);
        return viewOf(found);
      },
    }),
    scheduledAt: t.expose("scheduledAt", { type: "DateTime", nullable: true }),
    maxPerMinute: t.exposeInt("maxPerMinute", {
      nullable: true,
      description: "Send requests a minute at most; null: as fast as the channel allows",
    }),
    viaPushTopic: t.exposeBoolean("viaPushTopic", {
      description: "Sent as one FCM topic message to the audience's topic",
    }),
    members: t.int({
      nullable: true,
      description: "The audience's members copied as its targets so far; null before it starts",
      resolve: (campaign) => campaign.run?.members ?? null,
    }),
    targeted: t.exposeInt("targeted", { description: "Members asked for so far: a send request each" }),
    sent: t.exposeInt("sent", { description: "Of those, sent by the provider" }),
    suppressed: t.exposeInt("suppressed", {
      description: "Of those, not sent by decision: consent, no address, caps, quiet hours",
    }),
    failed: t.exposeInt("failed", { description: "Of those, refused by the provider or with an unknown outcome" }),
    failure: t.exposeString("failure", { nullable: true, description: "Why it FAILED" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    launchedAt: t.expose("launchedAt", { type: "DateTime", nullable: true }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
  }),
});

const CampaignConnectionRef = connectionRef(
  "Campaign",
  CampaignRef,
  "A page of the account's campaigns, newest first (Relay connection)",
);

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
const pageSchema = pageSizeSchema(MAX_PAGE);
/** A cursor is the id of the last campaign of the page before, as `endCursor` gives it. */
const cursorSchema = z.string().regex(/^cmp_[0-9a-z]{9}[0-9a-f]{16}$/, "must be an endCursor of campaigns");

builder.queryFields((t) => ({
  campaign: t.field({
    type: CampaignRef,
    nullable: true,
    description: "ADMIN: one campaign of the caller's account; null when there is none",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) =>
      (await context.services.campaigns.get(callerAccount(context), String(args.id))) ?? null,
  }),
  campaigns: t.field({
    type: CampaignConnectionRef,
    description: `ADMIN: the account's campaigns, newest first; \`first\` defaults to ${DEFAULT_PAGE}, at most ${MAX_PAGE}`,
    authScopes: { admin: true },
    args: { first: t.arg.int(), after: t.arg.string() },
    extensions: pagedBy({ defaultFirst: DEFAULT_PAGE, maxFirst: MAX_PAGE }),
    resolve: async (_root, args, context) => {
      const first = parseArgument(pageSchema, args.first ?? DEFAULT_PAGE, "first");
      const before = args.after == null ? undefined : parseArgument(cursorSchema, args.after, "after");
      const campaigns = await context.services.campaigns.page(callerAccount(context), first + 1, before);
      return pageOf(campaigns, first, (campaign) => campaign._id);
    },
  }),
}));

builder.mutationFields((t) => {
  /** A mutation that moves one campaign on. */
  const acting = (description: string, act: "launch" | "cancel") =>
    t.field({
      type: CampaignRef,
      description,
      authScopes: { admin: true },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, context) =>
        orGraphQLError(() => context.services.campaignOperations[act](callerAccount(context), String(args.id))),
    });
  return {
    createCampaign: t.field({
      type: CampaignRef,
      description:
        "ADMIN: a new campaign, DRAFT, counters at zero; an unknown audience or template, or a setting out of bounds, is BAD_USER_INPUT naming every field",
      authScopes: { admin: true },
      args: { input: t.arg({ type: CampaignInputRef, required: true }) },
      resolve: (_root, args, context) => {
        const input = parseCampaignInput(args.input);
        return orGraphQLError(() => context.services.campaignOperations.create(callerAccount(context), input));
      },
    }),
    launchCampaign: acting(
      "ADMIN: DRAFT → SCHEDULED when scheduledAt lies ahead, else RUNNING now; pins the template's current version",
      "launch",
    ),
    cancelCampaign: acting(
      "ADMIN: DRAFT, SCHEDULED or RUNNING → CANCELLED: no further send request; those asked for keep their outcome",
      "cancel",
    ),
  };
});
