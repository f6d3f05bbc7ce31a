import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaignOperations } from "../../../actors/campaign/index.ts";
import type { CampaignOperations } from "../../../model/index.ts";
import { type CampaignAlarms, UnavailableError } from "../../../streams/index.ts";
import { createWorld, type World } from "../../support/world.ts";

let world: World;
let operations: CampaignOperations;
let audienceId: string;
let templateId: string;

/** Alarms as they are while NATS refuses the schedule. */
const unreachableAlarms: CampaignAlarms = {
  arm: async (alarm) => {
    throw new UnavailableError(`could not schedule campaign ${alarm.campaignId} of ${alarm.account}`);
  },
  disarm: async () => {},
};

beforeAll(async () => {
  world = await createWorld();
  const { services, account } = world;
  operations = createCampaignOperations({ ...services, alarms: unreachableAlarms, log: pino({ level: "silent" }) });
  const audience = await services.audiences.create({ _id: "aud_buyers", account, name: "Buyers", kind: "STATIC" });
  audienceId = audience._id;
  const template = await services.templates.create(account, {
    name: "Sale",
    category: "MARKETING",
    content: { channel: "EMAIL", email: { subject: "Sale", text: "Half price" } },
  });
  templateId = template.templateId;
});
afterAll(async () => {
  await world?.close();
});

describe("launch when its alarm cannot be armed", () => {
  it.each([
    ["now", undefined],
    ["later", new Date(Date.now() + 3_600_000)],
  ])("fails, and leaves the campaign a DRAFT as it was (%s)", async (_when, scheduledAt) => {
    const draft = await operations.create(world.account, { name: "Winter sale", audienceId, templateId, scheduledAt });
    await expect(operations.launch(world.account, draft._id)).rejects.toThrow(UnavailableError);
    const stored = await world.services.campaigns.get(world.account, draft._id);
    expect(stored?.status).toBe("DRAFT");
    for (const field of ["template", "launchedAt", "startedAt", "run"] as const) {
      expect(stored?.[field]).toBeUndefined();
    }
  });
});
