import { z } from "zod";
import { MAX_PER_MINUTE_BOUNDS, type NewCampaign } from "../model/index.ts";
import { builder } from "./builder.ts";
import { parseArgument } from "./errors.ts";

const { min, max } = MAX_PER_MINUTE_BOUNDS;

export const CampaignInputRef = builder.inputType("CampaignInput", {
  description: "A new campaign (docs/campaigns.md): what it sends, to whom, when and how fast",
  fields: (t) => ({
    name: t.string({ required: true, description: "1–200 characters once trimmed" }),
    audienceId: t.id({ required: true, description: "An audience of the account: its members as of the start" }),
    templateId: t.id({
      required: true,
      description: "A template of the account; its version current at launch is the one sent",
    }),
    scheduledAt: t.field({
      type: "DateTime",
      description: "When it starts once launched; left out or past: at launch",
    }),
    maxPerMinute: t.int({
      description: `Send requests a minute at most, ${min}–${max.toLocaleString("en-US")}; left out: as fast as the channel allows`,
    }),
    viaPushTopic: t.boolean({
      description:
        "One FCM topic message to the audience's topic instead of a send per member; needs a PUSH template and an audience with pushTopic on",
    }),
  }),
});

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

/** The input's shape; its bounds and references are the operations' to check (they name `input.<field>`). */
const campaignInputSchema = z.object({
  name: z.string(),
  audienceId: z.string(),
  templateId: z.string(),
  scheduledAt: optional(z.date()),
  maxPerMinute: optional(z.number()),
  viaPushTopic: optional(z.boolean()),
});

export function parseCampaignInput(input: unknown): NewCampaign {
  return parseArgument(campaignInputSchema, input, "input");
}
